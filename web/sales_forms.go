package web

import (
	"context"
	"io"
	"strconv"

	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
)

// The Sales screen's filter form and bulk controls are written in Go, like
// its rows (see sales_rows.go). The markup is byte for byte what their templ
// versions wrote; TestSalesFormsMarkup pins it with golden files
// (go test ./web -run Markup -update rewrites them after a deliberate change).

// SalesFilterForm is the filter bar shared by the Sales screen and the board.
func SalesFilterForm(f SalesFilters, action string) templ.Component {
	return appendComponent(func(b []byte, l *Locale) []byte { return appendFilterForm(b, l, f, action) })
}

func appendFilterForm(b []byte, l *Locale, f SalesFilters, action string) []byte {

	for _, n := range f.Notices {
		b = append(b, `<p class="notice" role="status">`...)
		b = appendEscaped(b, l.T("sales.notice.ignored", l.T("sales.filter."+n)))
		b = append(b, `</p>`...)
	}
	b = append(b, `<form method="get" action="`...)
	b = appendEscaped(b, action)
	b = append(b, `" class="filters" id="filters">`...)
	if f.View != crm.StateActive {
		b = append(b, `<input type="hidden" name="view" value="`...)
		b = appendEscaped(b, string(f.View))
		b = append(b, `"> `...)
	}
	b = append(b, `<input type="hidden" name="sort" value="`...)
	b = appendEscaped(b, f.Value("sort"))
	b = append(b, `"> <input type="hidden" name="dir" value="`...)
	b = appendEscaped(b, f.Value("dir"))
	b = append(b, `"><div class="field grow">`...)
	b = appendLabel(b, l, "f-q", "sales.filter.q")
	b = append(b, ` <input id="f-q" name="q" type="search" value="`...)
	b = appendEscaped(b, f.Value("q"))
	b = append(b, `" maxlength="100" placeholder="`...)
	b = appendEscaped(b, l.T("sales.filter.q_hint"))
	b = append(b, `"></div>`...)
	b = appendFilterSelect(b, l, "owner", f.Value("owner"), f.Owners)
	if len(f.Workgroups) > 0 {
		b = appendFilterSelect(b, l, "wg", f.Value("wg"), f.Workgroups)
	}
	b = appendFilterSelect(b, l, "pending", f.Value("pending"), f.Milestones)
	b = appendFilterSelect(b, l, "last", f.Value("last"), f.Milestones)
	b = appendFilterSelect(b, l, "status", f.Value("status"), f.Statuses)
	b = appendFilterSelect(b, l, "source", f.Value("source"), f.Sources)
	for _, in := range [...]struct{ class, name, attrs string }{
		{"field", "from", ` type="date"`}, {"field", "to", ` type="date"`},
		{"field small", "vmin", ` inputmode="decimal"`}, {"field small", "vmax", ` inputmode="decimal"`},
	} {
		b = append(b, `<div class="`...)
		b = append(b, in.class...)
		b = append(b, `">`...)
		b = appendLabel(b, l, "f-"+in.name, "sales.filter."+in.name)
		b = append(b, ` <input id="f-`...)
		b = append(b, in.name...)
		b = append(b, `" name="`...)
		b = append(b, in.name...)
		b = append(b, '"')
		b = append(b, in.attrs...)
		b = append(b, ` value="`...)
		b = appendEscaped(b, f.Value(in.name))
		b = append(b, `"></div>`...)
	}
	b = append(b, `<div class="field check"><label><input type="checkbox" name="late" value="1" id="f-late"`...)
	if f.Value("late") == "1" {
		b = append(b, ` checked`...)
	}
	b = append(b, `> `...)
	b = appendEscaped(b, l.T("sales.filter.late"))
	b = append(b, `</label></div><div class="field actions"><button type="submit" class="primary">`...)
	b = appendEscaped(b, l.T("sales.filter.apply"))
	b = append(b, `</button> <a href="`...)
	b = appendEscaped(b, f.ResetURL)
	b = append(b, `">`...)
	b = appendEscaped(b, l.T("sales.filter.reset"))
	b = append(b, `</a> `...)
	if f.LoadURL != "" {
		b = append(b, `<a href="`...)
		b = appendEscaped(b, f.LoadURL)
		b = append(b, `" hx-get="`...)
		b = appendEscaped(b, f.LoadURL)
		b = append(b, `" hx-target="#rep-load" hx-swap="innerHTML">`...)
		b = appendEscaped(b, l.T("sales.load.open"))
		b = append(b, `</a>`...)
	}
	return append(b, `</div></form><div id="rep-load"></div>`...)
}

func appendFilterSelect(b []byte, l *Locale, name, value string, choices []crm.Choice) []byte {
	b = append(b, `<div class="field">`...)
	b = appendLabel(b, l, "f-"+name, "sales.filter."+name)
	b = append(b, ` <select id="f-`...)
	b = append(b, name...)
	b = append(b, `" name="`...)
	b = append(b, name...)
	b = append(b, `"><option value="">`...)
	b = appendEscaped(b, l.T("sales.filter.any"))
	b = append(b, `</option>`...)
	b = appendOptions(b, choices, value)
	return append(b, `</select></div>`...)
}

// appendLabel appends <label for="id">translated key</label>.
func appendLabel(b []byte, l *Locale, id, key string) []byte {
	b = append(b, `<label for="`...)
	b = appendEscaped(b, id)
	b = append(b, `">`...)
	b = appendEscaped(b, l.T(key))
	return append(b, `</label>`...)
}

// appendBulkControls appends the bulk action part of the Sales screen's form.
func appendBulkControls(b []byte, l *Locale, v SalesView) []byte {

	f := v.Bulk.Form
	b = append(b, `<fieldset class="bulk-controls"><legend>`...)
	b = appendEscaped(b, l.T("sales.bulk.title"))
	b = append(b, `</legend> `...)
	if f.Error("") != "" {
		b = append(b, `<p class="form-error" role="alert">`...)
		b = appendEscaped(b, l.T(f.Error("")))
		b = append(b, `</p>`...)
	}
	b = append(b, `<label class="check"><input type="checkbox" name="all" value="1" id="bulk-all"> `...)
	b = appendEscaped(b, l.T("sales.bulk.all", l.Number(v.Total)))
	b = append(b, `</label>`...)

	b = appendBulkField(b, l, f, "action", "sales.bulk.action")
	b = append(b, ` <select id="bulk-action" name="action">`...)
	for i, a := range [...]string{"owner", "archive", "defer"} {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, `<option value="`...)
		b = append(b, a...)
		if f.Value("action") == a {
			b = append(b, `" selected>`...)
		} else {
			b = append(b, `">`...)
		}
		b = appendEscaped(b, l.T("sales.bulk."+a))
		b = append(b, `</option>`...)
	}
	b = append(b, `</select>`...)
	b = appendFieldError(b, l, f, "action")

	for _, s := range [...]struct {
		name, label string
		choices     []crm.Choice
	}{{"owner", "sales.bulk.new_owner", v.Bulk.Owners}, {"reason", "sales.bulk.reason", v.Bulk.Reasons}} {
		b = appendBulkField(b, l, f, s.name, s.label)
		b = append(b, ` <select id="bulk-`...)
		b = append(b, s.name...)
		b = append(b, `" name="`...)
		b = append(b, s.name...)
		b = append(b, `"><option value="">—</option>`...)
		b = appendOptions(b, s.choices, f.Value(s.name))
		b = append(b, `</select>`...)
		b = appendFieldError(b, l, f, s.name)
	}

	b = appendBulkField(b, l, f, "until", "sales.bulk.until")
	b = append(b, ` <input id="bulk-until" name="until" type="date" value="`...)
	b = appendEscaped(b, f.Value("until"))
	b = append(b, `">`...)
	b = appendFieldError(b, l, f, "until")
	b = append(b, `</div><div class="field actions"><button type="submit" class="primary">`...)
	b = appendEscaped(b, l.T("sales.bulk.apply"))
	return append(b, `</button></div></fieldset>`...)
}

// appendBulkField opens a bulk field's div (closing the previous one) and
// writes its label.
func appendBulkField(b []byte, l *Locale, f Form, name, label string) []byte {
	if name != "action" {
		b = append(b, `</div>`...)
	}
	b = append(b, `<div class="field`...)
	if f.Error(name) != "" {
		b = append(b, ` invalid`...)
	}
	b = append(b, `">`...)
	return appendLabel(b, l, "bulk-"+name, label)
}

// appendFieldError is FieldError, appended.
func appendFieldError(b []byte, l *Locale, f Form, name string) []byte {
	if f.Error(name) == "" {
		return b
	}
	b = append(b, `<span class="field-error" id="`...)
	b = appendEscaped(b, f.ID(name)+"-error")
	b = append(b, `">`...)
	b = appendEscaped(b, l.T(f.Error(name)))
	return append(b, `</span>`...)
}

// appendOptions appends one <option> per choice, the one whose value is
// selected marked so.
func appendOptions(b []byte, choices []crm.Choice, selected string) []byte {
	for _, c := range choices {
		b = append(b, `<option value="`...)
		n := len(b)
		b = strconv.AppendInt(b, c.ID, 10)
		if string(b[n:]) == selected {
			b = append(b, `" selected>`...)
		} else {
			b = append(b, `">`...)
		}
		b = appendEscaped(b, c.Name)
		b = append(b, `</option>`...)
	}
	return b
}

// appendComponent is a component whose markup fn appends to a pooled buffer.
func appendComponent(fn func(b []byte, l *Locale) []byte) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		bp := rowBuffers.Get().(*[]byte)
		b := fn((*bp)[:0], LocaleFrom(ctx))
		_, err := w.Write(b)
		if cap(b) <= 1<<20 {
			*bp = b
			rowBuffers.Put(bp)
		}
		return err
	})
}
