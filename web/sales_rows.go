package web

import (
	"strconv"
	"sync"
)

// appendSalesRows appends the Sales screen's table rows. The Sales screen inside the
// layout is written in Go rather than templ (sales_page.go, sales_forms.go,
// this file): a page has fifty rows of a dozen values, every user of the
// tenant twice in option lists and some forty labels, and templ formats every
// value through fmt.Sprint and a string replacer, which was a third of the
// page's CPU. The markup is what the templ version wrote (TestSalesRowsMarkup
// and the golden files of TestSalesFormsMarkup and TestSalesPageMarkup pin
// it); links are ProjectURL's, appended in place.
func appendSalesRows(b []byte, l *Locale, v SalesView) []byte {
	late, logTitle := l.T("sales.late"), l.T("sales.log")
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
			b = l.AppendDate(b, r.LastAt)
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
				b = l.appendHTML(b, "sales.due", string(l.AppendDate(date[:0], r.PendingDue)), 0, false)
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
			b = l.appendHTML(b, "sales.defer_until", string(l.AppendDay(date[:0], r.DeferUntil)), 0, false)
			b = append(b, `</span>`...)
		}
		b = append(b, `</td><td>`...)
		b = appendEscaped(b, r.Status)
		b = append(b, `</td><td class="num">`...)
		b = l.AppendMoney(b, r.Value)
		b = append(b, `</td><td class="num">`...)
		b = l.appendHTML(b, "sales.age_days", "", int64(r.AgeDays), true)
		b = append(b, `</td><td><a class="log-button" href="/projects/`...)
		b = append(b, id...)
		b = append(b, `/log" hx-get="/projects/`...)
		b = append(b, id...)
		b = append(b, `/log" title="`...)
		b = appendEscaped(b, logTitle)
		b = append(b, `" aria-label="`...)
		b = l.appendHTML(b, "sales.log_of", r.Title, 0, false)
		b = append(b, `"></a></td></tr>`...)
	}
	return b
}

var rowBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

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
