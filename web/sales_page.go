package web

import (
	"github.com/a-h/templ"
	"github.com/pipewell/pipewell/internal/crm"
)

// salesBody is the Sales screen inside the layout: views, filters, count,
// table (in the bulk form for managers), pager and the log drawer. Like its
// rows it is written in Go (see sales_rows.go); TestSalesPageMarkup pins the
// markup the templ version wrote.
func salesBody(v SalesView) templ.Component {
	return appendComponent(func(b []byte, l *Locale) []byte {
		b = append(b, `<section class="sales"><div class="sales-head"><h1>`...)
		b = appendEscaped(b, l.T("sales.title"))
		b = append(b, `</h1><nav class="views" aria-label="`...)
		b = appendEscaped(b, l.T("sales.views"))
		b = append(b, `">`...)
		for _, s := range [...]crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived} {
			b = append(b, `<a href="`...)
			b = appendEscaped(b, v.Filters.ViewURLs[s])
			if s == v.Filters.View {
				b = append(b, `" aria-current="page">`...)
			} else {
				b = append(b, `">`...)
			}
			b = appendEscaped(b, l.T("sales.view."+string(s)))
			b = append(b, `</a>`...)
		}
		b = append(b, `</nav><a class="button primary" href="/projects/new">`...)
		b = appendEscaped(b, l.T("sales.new_lead"))
		b = append(b, `</a></div>`...)
		b = appendFilterForm(b, l, v.Filters, "/")
		if r := v.Bulk.Result; r != nil {
			b = append(b, `<p class="flash" role="status">`...)
			b = appendEscaped(b, l.T("sales.bulk.done."+r.Action, r.Changed, r.Skipped))
			b = append(b, `</p>`...)
		}
		b = append(b, `<p class="count" id="sales-count">`...)
		if v.Estimated {
			b = appendEscaped(b, l.T("sales.count.estimate", l.Number(v.Total)))
		} else {
			b = appendEscaped(b, l.T("sales.count", l.Number(v.Total)))
		}
		b = append(b, `</p>`...)
		switch {
		case len(v.Rows) == 0:
			b = append(b, `<p class="empty">`...)
			b = appendEscaped(b, l.T("sales.empty"))
			b = append(b, `</p>`...)
		case v.CanBulk:
			b = append(b, `<form method="post" action="/bulk" class="bulk" id="bulk-form"><input type="hidden" name="query" value="`...)
			b = appendEscaped(b, v.Query)
			b = append(b, `">`...)
			b = appendSalesTable(b, l, v)
			b = appendBulkControls(b, l, v)
			b = append(b, `</form>`...)
		default:
			b = appendSalesTable(b, l, v)
		}
		b = append(b, `<nav class="pager" aria-label="`...)
		b = appendEscaped(b, l.T("sales.pages"))
		b = append(b, `">`...)
		if v.FirstURL != "" {
			b = append(b, `<a href="`...)
			b = appendEscaped(b, v.FirstURL)
			b = append(b, `">`...)
			b = appendEscaped(b, l.T("sales.first_page"))
			b = append(b, `</a> `...)
		}
		if v.NextURL != "" {
			b = append(b, `<a href="`...)
			b = appendEscaped(b, v.NextURL)
			b = append(b, `" rel="next">`...)
			b = appendEscaped(b, l.T("sales.next_page"))
			b = append(b, `</a>`...)
		}
		b = append(b, `</nav></section><aside id="drawer" class="drawer" aria-live="polite" aria-label="`...)
		b = appendEscaped(b, l.T("sales.log"))
		return append(b, `"></aside><script src="/static/sales.js" defer></script>`...)
	})
}

// salesColumns are the sortable columns in table order: sort key, label,
// numeric.
var salesColumns = [...]struct {
	key, label string
	num        bool
}{
	{"title", "sales.col.title", false}, {"customer", "sales.col.customer", false}, {"owner", "sales.col.owner", false},
	{"last", "sales.col.last", false}, {"pending", "sales.col.pending", false}, {"status", "sales.col.status", false},
	{"value", "sales.col.value", true}, {"created", "sales.col.age", true},
}

func appendSalesTable(b []byte, l *Locale, v SalesView) []byte {
	b = append(b, `<table class="sales-table"><thead><tr>`...)
	if v.CanBulk {
		b = append(b, `<th class="select"><input type="checkbox" id="select-all" aria-label="`...)
		b = appendEscaped(b, l.T("sales.select_all"))
		b = append(b, `"></th>`...)
	}
	for _, c := range salesColumns {
		s := v.Sorts[c.key]
		b = append(b, `<th`...)
		if c.num {
			b = append(b, ` class="num"`...)
		}
		b = append(b, ` aria-sort="`...)
		b = append(b, ariaSort(s)...)
		b = append(b, `"><a href="`...)
		b = appendEscaped(b, s.URL)
		b = append(b, `">`...)
		b = appendEscaped(b, l.T(c.label))
		b = append(b, ' ')
		if s.Active {
			if s.Desc {
				b = append(b, `<span aria-hidden="true">▼</span>`...)
			} else {
				b = append(b, `<span aria-hidden="true">▲</span>`...)
			}
		}
		b = append(b, `</a></th>`...)
	}
	b = append(b, `<th><span class="visually-hidden">`...)
	b = appendEscaped(b, l.T("sales.log"))
	b = append(b, `</span></th></tr></thead> <tbody hx-target="#drawer" hx-swap="innerHTML">`...)
	b = appendSalesRows(b, l, v)
	return append(b, `</tbody></table>`...)
}

// ariaSort is a column header's aria-sort value.
func ariaSort(s SortLink) string {
	switch {
	case !s.Active:
		return "none"
	case s.Desc:
		return "descending"
	}
	return "ascending"
}
