package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/web"
)

// maxFormBytes bounds every form body; no Pipewell form comes near it.
const maxFormBytes = 1 << 20

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

// keep returns the typed values of the named fields for re-display, with
// invalid UTF-8 replaced so what is shown is what the browser can show.
func keep(r *http.Request, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.ToValidUTF8(r.PostFormValue(n), "\uFFFD")
	}
	return m
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

// form builds a web.Form from kept values and errors.
func form(values, errs map[string]string) web.Form {
	return web.Form{Values: values, Errors: errs}
}
