package crm

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

// Error kinds. Every layer wraps these; internal/server maps them to HTTP
// statuses in one place (not found and forbidden both become 404 so that the
// existence of another tenant's or another rep's data is never confirmed).
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("changed by someone else")
	ErrForbidden = errors.New("not allowed")
)

// ValidationError maps a form field to a message key that the UI translates
// and shows beside that field. Field "" holds a message for the whole form.
type ValidationError struct {
	Fields map[string]string
}

// Error lists the fields, for logs and tests.
func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k+": "+v.Fields[k])
	}
	sort.Strings(keys)
	return "invalid input: " + strings.Join(keys, "; ")
}

// Msg is a message key with the numbers it states, as a field's message
// carries them ("error.too_long_max|200"); the web layer formats it with
// the key's translation.
func Msg(key string, args ...int) string {
	for _, a := range args {
		key += "|" + strconv.Itoa(a)
	}
	return key
}

// Validator collects field errors; the zero value is ready to use.
type Validator struct {
	fields map[string]string
}

// Add records msg for field unless the field already has a message (the first
// problem found is the one shown).
func (v *Validator) Add(field, msg string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = msg
	}
}

// Check adds msg for field when ok is false.
func (v *Validator) Check(ok bool, field, msg string) {
	if !ok {
		v.Add(field, msg)
	}
}

// Err returns a *ValidationError when any field failed, else nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

// FieldError returns a validation error for one field.
func FieldError(field, msg string) error {
	return &ValidationError{Fields: map[string]string{field: msg}}
}
