package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// render writes a component with status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	// The page is rendered into a buffer and written at once: one write
	// with a Content-Length instead of a chunk and a system call per 4 kB,
	// and a failed render becomes an error page instead of half a page.
	buf, _ := s.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = bytes.NewBuffer(make([]byte, 0, 64<<10)) // a Sales screen page is about 60 kB
	}
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			s.buffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		if status >= 500 { // the error page itself failed
			s.log.Error("render", "err", err, "request_id", requestID(r.Context()))
			http.Error(w, http.StatusText(status), status)
			return
		}
		s.serverError(w, r, fmt.Errorf("render: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page returns the layout fields every page shares, consuming the flash.
func (s *Server) page(r *http.Request, title, nav string) web.Page {
	p := web.Page{Title: title, Nav: nav, RequestID: requestID(r.Context())}
	if who := identity(r.Context()); who != nil {
		p.User = &web.Viewer{Name: who.User.Name, Email: who.User.Email, Role: who.User.Role, Company: who.Tenant.Name}
	}
	if hasSession(r.Context()) {
		p.Flash = s.sessions.PopString(r.Context(), sessFlash)
	}
	return p
}

// errorPage renders an error page; title and message are catalog keys.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	p := s.page(r, title, "")
	if status < 500 {
		p.RequestID = ""
	}
	s.render(w, r, status, web.ErrorPage(web.ErrorView{Page: p, Status: status, Message: message}))
}

// handleError maps crm's error kinds to their status and page: not found and
// forbidden → 404 (existence is never confirmed), conflict → 409, validation →
// 422, an unavailable database → 503 (see serverError); anything else is
// logged and shown as 500 with the request ID.
func (s *Server) handleError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *crm.ValidationError
	switch {
	case errors.Is(err, crm.ErrNotFound), errors.Is(err, crm.ErrForbidden):
		s.notFound(w, r)
	case errors.Is(err, crm.ErrConflict):
		s.errorPage(w, r, http.StatusConflict, "error.conflict", "error.conflict.message")
	case errors.As(err, &ve):
		s.errorPage(w, r, http.StatusUnprocessableEntity, "error.invalid", "error.invalid.message")
	default:
		s.serverError(w, r, err)
	}
}

// serverError answers an error the user cannot fix: 503 when the database
// is unavailable (postgres.ErrUnavailable: try again shortly), else 500,
// logged with the request ID that the page shows.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away (closed the tab, a load tool stopped): not
		// a server error. Nobody reads the answer; the access log notes it.
		w.WriteHeader(statusClientClosed)
		return
	}
	if errors.Is(err, postgres.ErrUnavailable) {
		s.unavailable(w, r, err)
		return
	}
	s.log.Error("internal error", "err", err, "method", r.Method, "path", r.URL.Path,
		"request_id", requestID(r.Context()))
	s.errorPage(w, r, http.StatusInternalServerError, "error.internal", "error.internal.message")
}

// statusClientClosed is the status logged for a request whose client went
// away before the answer (nginx's 499).
const statusClientClosed = 499

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.not_found", "error.not_found.message")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusMethodNotAllowed, "error.method", "error.method.message")
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusBadRequest, "error.bad_request", "error.bad_request.message")
}
