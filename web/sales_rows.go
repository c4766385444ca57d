package web

import (
	"context"
	"io"

	"strconv"
	"sync"

	"github.com/a-h/templ"

	"github.com/pipewell/pipewell/internal/crm"
)

// appendSalesRows appends the Sales screen's table rows. They are written in
// Go rather than templ: a page has fifty rows of a dozen values, and templ
// formats every value through a string replacer and an interface call, which
// was a third of the page's CPU. TestSalesRowsMarkup pins the markup. Links
// are the rows' URL methods, checked by templ.URL like every href templ
// writes.
func appendSalesRows(b []byte, l *Locale, v SalesView) []byte {
	late, logTitle, logReturn := l.T("sales.late"), l.T("sales.log"), v.LogReturn()
	var date [64]byte
	for _, r := range v.Rows {
		var idb [20]byte
		id := strconv.AppendInt(idb[:0], int64(r.ID), 10)
		b = append(b, `<tr id="p-`...)
		b = append(b, id...)
		b = append(b, '"')
		if r.Late {
			b = append(b, ` class="is-late"`...)
		}
		b = append(b, '>')
		if v.CanBulk {
			b = append(b, `<td class="select"><input type="checkbox" name="id" value="`...)
			b = append(b, id...)
			b = append(b, `" aria-label="`...)
			b = l.appendHTML(b, "sales.select", r.Title, 0, false)
			b = append(b, `"></td>`...)
		}
		b = append(b, `<td class="title"><a href="`...)
		b = appendURL(b, templ.URL(r.URL()))
		b = append(b, `">`...)
		b = appendEscaped(b, r.Title)
		b = append(b, `</a></td><td class="customer">`...)
		b = appendEscaped(b, r.Customer)
		b = append(b, `</td><td class="owner">`...)
		b = appendEscaped(b, r.Owner)
		b = append(b, `</td><td class="last">`...)
		if r.Last != "" {
			b = appendEscaped(b, r.Last)
			b = append(b, ` <span class="muted">`...)
			b = l.AppendDate(b, r.LastAt)
			b = append(b, `</span>`...)
		}
		if closedView(v.Filters.View) {
			// A closed project has no next step: the archived view says
			// why and when, the sold view when.
			if v.Filters.View == crm.StateArchived {
				b = append(b, `</td><td class="reason">`...)
				b = appendEscaped(b, r.Reason)
			}
			b = append(b, `</td><td class="closed">`...)
			if !r.ClosedAt.IsZero() {
				b = l.AppendDate(b, r.ClosedAt)
			}
		} else {
			b = append(b, `</td><td class="pending">`...)
			if r.Pending != "" {
				b = appendEscaped(b, r.Pending)
				if !r.PendingDue.IsZero() {
					if r.MilestoneLate {
						b = append(b, ` <span class="muted late">`...)
					} else {
						b = append(b, ` <span class="muted">`...)
					}
					b = l.appendHTML(b, "sales.due", string(l.AppendDate(date[:0], r.PendingDue)), 0, false)
					b = append(b, `</span>`...)
				}
			}
			b = appendLateMarks(b, l, &r, late)
			if !r.DeferUntil.IsZero() {
				b = append(b, ` <span class="muted">`...)
				b = l.appendHTML(b, "sales.defer_until", string(l.AppendDay(date[:0], r.DeferUntil)), 0, false)
				b = append(b, `</span>`...)
			}
		}
		b = append(b, `</td><td class="status">`...)
		b = appendEscaped(b, r.Status)
		b = append(b, `</td><td class="num value">`...)
		b = l.AppendMoney(b, r.Value)
		b = append(b, `</td><td class="num age">`...)
		b = l.appendHTML(b, "sales.age_days", "", int64(r.AgeDays), true)
		logURL := templ.URL(r.LogURL() + logReturn)
		b = append(b, `</td><td class="log"><a class="log-button" href="`...)
		b = appendURL(b, logURL)
		b = append(b, `" hx-get="`...)
		b = appendURL(b, logURL)
		b = append(b, `" title="`...)
		b = appendEscaped(b, logTitle)
		b = append(b, `" aria-label="`...)
		b = l.appendHTML(b, "sales.log_of", r.Title, 0, false)
		b = append(b, `"></a></td></tr>`...)
	}
	return b
}

// lateMarks says what makes a project late (a board card's marks).
func lateMarks(r SalesRow) templ.Component {
	return appendComponent(func(b []byte, l *Locale) []byte { return appendLateMarks(b, l, &r, l.T("sales.late")) })
}

// salesRows is the rows of the Sales screen's table.
func salesRows(v SalesView) templ.Component {
	return appendComponent(func(b []byte, l *Locale) []byte { return appendSalesRows(b, l, v) })
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

// appendLateMarks appends what makes a row late: its milestone and by how
// many days, its most overdue subtask or event and by how many days.
func appendLateMarks(b []byte, l *Locale, r *SalesRow, late string) []byte {
	mark := func(text string) {
		b = append(b, ` <span class="late-mark" title="`...)
		b = appendEscaped(b, late)
		b = append(b, `">`...)
		b = appendEscaped(b, text)
		b = append(b, `</span>`...)
	}
	if r.MilestoneLate {
		mark(l.N("sales.late_days", int64(r.MilestoneDaysLate)))
	}
	switch {
	case r.ItemLate && r.ItemKind == "event" && r.ItemDaysLate == 0:
		mark(l.T("sales.late_event_today"))
	case r.ItemLate && r.ItemKind == "event":
		mark(l.N("sales.late_event", int64(r.ItemDaysLate)))
	case r.ItemLate:
		mark(l.N("sales.late_subtask", int64(r.ItemDaysLate)))
	case r.Late && !r.MilestoneLate:
		mark(late)
	}
	return b
}

var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendURL appends a checked URL for an attribute.
func appendURL(b []byte, u templ.SafeURL) []byte { return appendEscaped(b, string(u)) }

// appendEscaped appends s escaped for HTML text and quoted attribute values,
// as templ (html.EscapeString) escapes it. Runs of plain bytes are appended
// at once.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		esc := htmlEscapes[s[i]]
		if esc == "" {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// htmlEscapes holds the escape of each byte that needs one.
var htmlEscapes = [256]string{'<': "&lt;", '>': "&gt;", '&': "&amp;", '\'': "&#39;", '"': "&#34;"}
