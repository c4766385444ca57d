package server

import (
	"errors"
	"net"
	"net/http"

	"github.com/go-chi/httprate"
	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if identity(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "" // the form does not carry a foreign target along (handleLogin checks it again)
	}
	v := web.AuthView{Page: s.page(r, "login.title", ""), Form: form(map[string]string{"next": next}, nil)}
	s.render(w, r, http.StatusOK, web.LoginPage(v))
}

// handleLogin checks e-mail and password. Unknown e-mail and wrong password
// get the same message and take the same time; attempts are throttled per
// e-mail and per client IP. The session token is renewed on success.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "email", "next")
	fail := func(status int, errs map[string]string) {
		v := web.AuthView{Page: s.page(r, "login.title", ""), Form: form(values, errs)}
		s.render(w, r, status, web.LoginPage(v))
	}
	in, err := crm.Login{Email: r.PostFormValue("email"), Password: r.PostFormValue("password")}.Validate()
	if err != nil {
		fail(http.StatusUnprocessableEntity, formErrors(err))
		return
	}
	if s.limitIP.OnLimit(w, r, "ip:"+clientIP(r)) || s.limitKey.OnLimit(w, r, "email:"+in.Email) {
		fail(http.StatusTooManyRequests, map[string]string{"": "error.throttled"})
		return
	}
	ctx := r.Context()
	lu, err := s.db.UserForLogin(ctx, in.Email)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		s.hasher.Dummy(ctx, in.Password)
		fail(http.StatusUnprocessableEntity, map[string]string{"": crm.MsgBadLogin})
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	err = s.hasher.Verify(ctx, in.Password, lu.PasswordHash)
	if errors.Is(err, auth.ErrMismatch) || (err == nil && !lu.User.Active) || lu.PasswordHash == "" {
		fail(http.StatusUnprocessableEntity, map[string]string{"": crm.MsgBadLogin})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(r, lu.User, lu.SessionEpoch, "login.welcome_back"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// startSession renews the session token (no fixation) and records who signed
// in, with their session epoch and role.
func (s *Server) startSession(r *http.Request, u crm.User, epoch int, flash string) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessTenant, int64(u.TenantID))
	s.sessions.Put(ctx, sessUser, int64(u.ID))
	s.sessions.Put(ctx, sessEpoch, epoch)
	s.sessions.Put(ctx, sessRole, string(u.Role))
	s.sessions.Put(ctx, sessFlash, flash)
	return nil
}

func (s *Server) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	if identity(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, web.SignupPage(web.AuthView{Page: s.page(r, "signup.title", "")}))
}

// handleSignup creates a company with the default sales process and signs its
// first user (an admin) in.
func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "company", "name", "email")
	fail := func(errs map[string]string) {
		v := web.AuthView{Page: s.page(r, "signup.title", ""), Form: form(values, errs)}
		s.render(w, r, http.StatusUnprocessableEntity, web.SignupPage(v))
	}
	in, err := crm.SignUp{
		Company: r.PostFormValue("company"), Name: r.PostFormValue("name"),
		Email: r.PostFormValue("email"), Password: r.PostFormValue("password"),
		Language: web.LocaleFrom(r.Context()).Lang(),
	}.Validate()
	if err != nil {
		fail(formErrors(err))
		return
	}
	if s.limitIP.OnLimit(w, r, "ip:"+clientIP(r)) {
		v := web.AuthView{Page: s.page(r, "signup.title", ""), Form: form(values, map[string]string{"": "error.throttled"})}
		s.render(w, r, http.StatusTooManyRequests, web.SignupPage(v))
		return
	}
	hash, err := s.hasher.Hash(r.Context(), in.Password)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	u, err := s.db.SignUp(r.Context(), in, hash)
	if errs := formErrors(err); errs != nil {
		fail(errs)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(r, u, 0, "signup.welcome"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout ends the session (its token is deleted from the store) and
// starts a fresh one just to carry the flash.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.sessions.Destroy(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessFlash, "logout.done")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clientIP is the peer address. Pipewell does not trust forwarding headers by
// default; behind a proxy, put the limiter in the proxy or terminate there.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host)
}
