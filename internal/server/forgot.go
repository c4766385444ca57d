package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// The self-service password reset: a user who forgot their password asks for
// a reset link by e-mail. The answer is the same whether an account exists
// or not (nothing tells an address is registered), and requests are
// throttled like log-ins, per address and per IP.

func (s *Server) renderForgot(w http.ResponseWriter, r *http.Request, status int, f web.Form, sent bool) {
	v := web.ForgotView{AuthView: web.AuthView{Page: s.page(r, "forgot.title", ""), Form: f}, Sent: sent}
	s.render(w, r, status, web.ForgotPage(v))
}

func (s *Server) handleForgotPage(w http.ResponseWriter, r *http.Request) {
	s.renderForgot(w, r, http.StatusOK, web.Form{}, false)
}

func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	values := keep(r, "email")
	var v crm.Validator
	email := v.CheckEmail("email", r.PostFormValue("email"))
	if err := v.Err(); err != nil {
		s.renderForgot(w, r, http.StatusUnprocessableEntity, form(values, formErrors(err)), false)
		return
	}
	if s.limitIP.OnLimit(w, r, "ip:"+clientIP(r)) || s.limitKey.OnLimit(w, r, "forgot:"+email) {
		s.renderForgot(w, r, http.StatusTooManyRequests, form(values, map[string]string{"": "error.throttled"}), false)
		return
	}
	ctx := r.Context()
	lu, err := s.db.UserForLogin(ctx, email)
	switch {
	case errors.Is(err, crm.ErrNotFound):
	case err != nil:
		s.serverError(w, r, err)
		return
	case lu.User.Active && lu.PasswordHash != "":
		// An invited user who never set a password gets no reset link: the
		// admin resends the invitation.
		if err := s.sendReset(r, lu.User); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderForgot(w, r, http.StatusOK, form(values, nil), true)
}

// sendReset issues a password-reset link for u and mails it. Without a
// mailer there is no way to deliver it; that is logged, and the user is
// told what everyone is told.
func (s *Server) sendReset(r *http.Request, u crm.User) error {
	if s.cfg.Mailer == nil {
		s.log.Info("password reset requested, but no mail is configured", "request_id", requestID(r.Context()))
		return nil
	}
	token, hash := newLink(u.TenantID)
	if _, err := s.db.NewUserToken(r.Context(), u.TenantID, u.ID, u.ID, postgres.TokenPasswordReset, hash, time.Now().Add(resetTTL)); err != nil {
		return err
	}
	link := s.linkURL(r, postgres.TokenPasswordReset, token)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	l := web.NewLocale(u.Locale, r.Header.Get("Accept-Language"), "", nil)
	if err := s.cfg.Mailer.Send(ctx, u.Email, l.T("forgot.mail.subject"), l.T("forgot.mail.body", u.Name, link)); err != nil {
		s.log.Warn("send mail", "err", err, "kind", "forgot", "request_id", requestID(r.Context()))
	}
	return nil
}
