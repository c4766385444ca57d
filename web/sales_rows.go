package web

import (
	"context"
	"io"
	"strconv"
	"sync"

	"github.com/a-h/templ"
)

// salesRows writes the Sales screen's table rows. It is the one component
// written in Go rather than templ: a page has fifty rows of a dozen values,
// and templ formats every value through fmt and a string replacer, which was
// a third of the page's CPU. The markup is what the templ version wrote
// (TestSalesRowsMarkup compares them).
func salesRows(v SalesView) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		l := LocaleFrom(ctx)
		late, logTitle := l.T("sales.late"), l.T("sales.log")
		bp := rowBuffers.Get().(*[]byte)
		b := (*bp)[:0]
		for _, r := range v.Rows {
			id := strconv.AppendInt(nil, int64(r.ID), 10)
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
				b = appendEscaped(b, l.T("sales.select", r.Title))
				b = append(b, `"></td>`...)
			}
			b = append(b, `<td><a href="/projects/`...)
			b = append(b, id...)
			b = append(b, `">`...)
			b = appendEscaped(b, r.Title)
			b = append(b, `</a></td><td>`...)
			b = appendEscaped(b, r.Customer)
			b = append(b, `</td><td>`...)
			b = appendEscaped(b, r.Owner)
			b = append(b, `</td><td>`...)
			if r.Last != "" {
				b = appendEscaped(b, r.Last)
				b = append(b, ` <span class="muted">`...)
				b = appendEscaped(b, l.Date(r.LastAt))
				b = append(b, `</span>`...)
			}
			b = append(b, `</td><td>`...)
			if r.Pending != "" {
				b = appendEscaped(b, r.Pending)
				if !r.PendingDue.IsZero() {
					if r.MilestoneLate {
						b = append(b, ` <span class="muted late">`...)
					} else {
						b = append(b, ` <span class="muted">`...)
					}
					b = appendEscaped(b, l.T("sales.due", l.Date(r.PendingDue)))
					b = append(b, `</span>`...)
				}
			}
			if r.Late {
				b = append(b, ` <span class="late-mark" title="`...)
				b = appendEscaped(b, late)
				b = append(b, `">`...)
				b = appendEscaped(b, late)
				b = append(b, `</span>`...)
			}
			if !r.DeferUntil.IsZero() {
				b = append(b, ` <span class="muted">`...)
				b = appendEscaped(b, l.T("sales.defer_until", l.Date(r.DeferUntil)))
				b = append(b, `</span>`...)
			}
			b = append(b, `</td><td>`...)
			b = appendEscaped(b, r.Status)
			b = append(b, `</td><td class="num">`...)
			b = appendEscaped(b, l.Money(r.Value))
			b = append(b, `</td><td class="num">`...)
			b = appendEscaped(b, l.T("sales.age_days", r.AgeDays))
			b = append(b, `</td><td><a class="log-button" href="/projects/`...)
			b = append(b, id...)
			b = append(b, `/log" hx-get="/projects/`...)
			b = append(b, id...)
			b = append(b, `/log" hx-target="#drawer" hx-swap="innerHTML" title="`...)
			b = appendEscaped(b, logTitle)
			b = append(b, `" aria-label="`...)
			b = appendEscaped(b, l.T("sales.log_of", r.Title))
			b = append(b, `">`...)
			b = append(b, logIcon...)
			b = append(b, `</a></td></tr>`...)
		}
		_, err := w.Write(b)
		if cap(b) <= 1<<20 {
			*bp = b
			rowBuffers.Put(bp)
		}
		return err
	})
}

var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// logIcon is the book icon of the log button.
const logIcon = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" d="M4 4.5A1.5 1.5 0 0 1 5.5 3H20v15H5.5A1.5 1.5 0 0 0 4 19.5zM4 19.5A1.5 1.5 0 0 0 5.5 21H20v-3"></path></svg>`

// appendEscaped appends s escaped for HTML text and quoted attribute values,
// as templ (html.EscapeString) escapes it.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, s[start:]...)
}
