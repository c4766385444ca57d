package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// Every handler opens and closes the same way, with the helpers below:
//
//	id, ok := s.idForm(w, r, "id") // or s.pathID for a GET; they answer 404/400/413 themselves
//	if !ok {
//		return
//	}
//	err := ...a crm decision and its one write...
//	s.finish(w, r, err, "/where/next", "flash.key", func(errs map[string]string) {
//		...render the form again with 422, the input kept (keep) and errs...
//	})

// maxFormBytes bounds every form body; no Pipewell form comes near it.
const maxFormBytes = 1 << 20

// urlID reads a positive ID from the URL parameter name.
func urlID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	return n, err == nil && n > 0
}

// pathID reads the named positive ID from the URL; anything else is not
// found, answered here. It has answered when ok is false.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := urlID(r, name)
	if !ok {
		s.notFound(w, r)
	}
	return id, ok
}

// idForm reads the named path ID (404 when malformed) and the form body.
// It has answered when ok is false.
func (s *Server) idForm(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := s.pathID(w, r, name)
	return id, ok && s.parseForm(w, r)
}

// parseForm reads a bounded form body. It answers 413 or 400 itself and
// returns false when the body cannot be read.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.too_large", "error.too_large.message")
		} else {
			s.badRequest(w, r)
		}
		return false
	}
	return true
}

// isHX tells a request made by htmx, which takes a fragment or 204.
func isHX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// keep returns the typed values of the named fields for re-display, with
// invalid UTF-8 replaced so what is shown is what the browser can show.
func keep(r *http.Request, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.ToValidUTF8(r.PostFormValue(n), "\uFFFD")
	}
	return m
}

// finish closes a form handler: a validation error calls invalid with the
// per-field messages (it renders the form again with 422 and the input
// kept); another error is answered by handleError; success redirects (303)
// to url with the flash message key, none when flash is "".
func (s *Server) finish(w http.ResponseWriter, r *http.Request, err error, url, flash string, invalid func(errs map[string]string)) {
	if errs := formErrors(err); errs != nil && invalid != nil {
		invalid(errs)
		return
	}
	if err != nil {
		s.handleError(w, r, err)
		return
	}
	if flash != "" {
		s.sessions.Put(r.Context(), sessFlash, flash)
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}

// saved ends a successful POST: a flash and a redirect (303) to url.
func (s *Server) saved(w http.ResponseWriter, r *http.Request, url, flash string) {
	s.finish(w, r, nil, url, flash, nil)
}

// formErrors returns the per-field messages of a validation error, or nil
// when err is another kind.
func formErrors(err error) map[string]string {
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	return nil
}

// formMessage is the message for a whole form: the form-level one, else
// the first field's.
func formMessage(errs map[string]string) string {
	if m, ok := errs[""]; ok {
		return m
	}
	for _, m := range errs {
		return m
	}
	return ""
}

// form builds a web.Form from kept values and errors.
func form(values, errs map[string]string) web.Form {
	return web.Form{Values: values, Errors: errs}
}

// finishInPlace is finish for a change the page has already shown (a list
// reordered by dragging): to htmx, success is 204 No Content.
func (s *Server) finishInPlace(w http.ResponseWriter, r *http.Request, err error, url, flash string, invalid func(errs map[string]string)) {
	if err == nil && isHX(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.finish(w, r, err, url, flash, invalid)
}
