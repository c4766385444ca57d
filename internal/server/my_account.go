package server

import (
	"errors"
	"net/http"

	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// My account: every signed-in user's own name, language, password and sessions.

func (s *Server) renderMyAccount(w http.ResponseWriter, r *http.Request, status int, f, pw web.Form) {
	who := identity(r.Context())
	if f.Values == nil {
		f.Values = map[string]string{"name": who.User.Name, "locale": who.User.Locale}
	}
	v := web.MyAccountView{Page: s.page(r, "account.title", "nav.account"), Email: who.User.Email, Form: f, PasswordForm: pw}
	s.render(w, r, status, web.MyAccountPage(v))
}

func (s *Server) handleMyAccount(w http.ResponseWriter, r *http.Request) {
	s.renderMyAccount(w, r, http.StatusOK, web.Form{}, web.Form{})
}

func (s *Server) handleMyAccountSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "name", "locale")
	var v crm.Validator
	name := v.CheckLine("name", values["name"], true, crm.MaxName)
	locale := values["locale"]
	known := false
	for _, l := range crm.Locales {
		known = known || l == locale
	}
	v.Check(known, "locale", crm.MsgLocale)
	err := v.Err()
	if err == nil {
		who := identity(r.Context())
		err = s.db.UpdateAccount(r.Context(), who.Tenant.ID, who.User.ID, name, locale)
	}
	s.finish(w, r, err, "/account", "account.saved", func(errs map[string]string) {
		s.renderMyAccount(w, r, http.StatusUnprocessableEntity, form(values, errs), web.Form{})
	})
}

// handleMyAccountPassword changes the password after checking the current
// one; every other session of the user ends, this one continues.
func (s *Server) handleMyAccountPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	who := identity(ctx)
	fail := func(errs map[string]string) {
		s.renderMyAccount(w, r, http.StatusUnprocessableEntity, web.Form{}, form(map[string]string{}, errs))
	}
	var v crm.Validator
	v.Check(r.PostFormValue("current") != "", "current", crm.MsgRequired)
	if err := crm.NewPassword(r.PostFormValue("password"), r.PostFormValue("confirm")); err != nil {
		for f, m := range formErrors(err) {
			v.Add(f, m)
		}
	}
	if err := v.Err(); err != nil {
		fail(formErrors(err))
		return
	}
	if s.limitKey.OnLimit(w, r, "password:"+who.User.Email) {
		fail(map[string]string{"": "error.throttled"})
		return
	}
	current, err := s.db.PasswordHash(ctx, who.Tenant.ID, who.User.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.hasher.Verify(ctx, r.PostFormValue("current"), current)
	if errors.Is(err, auth.ErrMismatch) {
		fail(map[string]string{"current": crm.MsgWrongPassword})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	hash, err := s.hasher.Hash(ctx, r.PostFormValue("password"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	epoch, err := s.db.ChangePassword(ctx, who.Tenant.ID, who.User.ID, hash)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.startSession(r, who.User, epoch, "account.password_changed"); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// handleMyAccountSessions signs the user out everywhere: every session,
// this one included, ends.
func (s *Server) handleMyAccountSessions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	who := identity(ctx)
	if _, err := s.db.EndSessions(ctx, who.Tenant.ID, who.User.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(ctx, sessFlash, "account.signed_out_everywhere")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
