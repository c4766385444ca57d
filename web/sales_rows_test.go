package web

import (
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestSalesRowsMarkup pins the rows the Sales screen writes: every value
// escaped as templ escapes it, the late, deferred and bulk variants, and the
// translations of the row's labels.
func TestSalesRowsMarkup(t *testing.T) {
	day := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
	rows := []SalesRow{
		{ID: 12, Title: `A <b>"x"</b> & 'y'`, Customer: "Cust & Co", Owner: "Own", Last: "Lead", LastAt: day, Pending: "Prop",
			PendingDue: day, Late: true, MilestoneLate: true, MilestoneDaysLate: 3, ItemLate: true, ItemKind: "subtask", ItemDaysLate: 1,
			Status: "St", Value: 123456, AgeDays: 1234},
		{ID: 13, Title: "T", Pending: "P", DeferUntil: crm.DateOf(day)},
	}
	for _, tc := range []struct {
		name string
		l    *Locale
		bulk bool
		want string
	}{
		{"english, bulk", NewLocale("en", "", "USD", time.UTC), true,
			`<tr id="p-12" class="is-late"><td class="select"><input type="checkbox" name="id" value="12" aria-label="Select A &lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; &#39;y&#39;"></td>` +
				`<td class="title"><a href="/projects/12">A &lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; &#39;y&#39;</a></td><td class="customer">Cust &amp; Co</td><td class="owner">Own</td>` +
				`<td class="last">Lead <span class="muted">Mar 4, 2026</span></td>` +
				`<td class="pending">Prop <span class="muted late">due Mar 4, 2026</span> <span class="late-mark" title="Late">3 days late</span> <span class="late-mark" title="Late">Task 1 day late</span></td>` +
				`<td class="status">St</td><td class="num value">$1,234.56</td><td class="num age">1,234 d</td>` +
				`<td class="log"><a class="log-button" href="/projects/12/log?return=%2F%3Fview%3Dactive" hx-get="/projects/12/log?return=%2F%3Fview%3Dactive" title="Project log" aria-label="Open the log of A &lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; &#39;y&#39;"></a></td></tr>` +
				`<tr id="p-13"><td class="select"><input type="checkbox" name="id" value="13" aria-label="Select T"></td><td class="title"><a href="/projects/13">T</a></td><td class="customer"></td><td class="owner"></td><td class="last"></td>` +
				`<td class="pending">P <span class="muted">deferred until Mar 4, 2026</span></td><td class="status"></td><td class="num value">$0.00</td><td class="num age">0 d</td>` +
				`<td class="log"><a class="log-button" href="/projects/13/log?return=%2F%3Fview%3Dactive" hx-get="/projects/13/log?return=%2F%3Fview%3Dactive" title="Project log" aria-label="Open the log of T"></a></td></tr>`},
		{"chinese in Shanghai, no bulk", NewLocale("zh-Hans", "", "CNY", time.FixedZone("CST", 8*3600)), false,
			`<tr id="p-12" class="is-late"><td class="title"><a href="/projects/12">A &lt;b&gt;&#34;x&#34;&lt;/b&gt; &amp; &#39;y&#39;</a></td><td class="customer">Cust &amp; Co</td><td class="owner">Own</td>` +
				`<td class="last">Lead <span class="muted">2026年3月5日</span></td>` +
				`<td class="pending">Prop <span class="muted late">截止 2026年3月5日</span> <span class="late-mark" title="逾期">逾期 3 天</span> <span class="late-mark" title="逾期">任务逾期 1 天</span></td>`},
	} {
		if got := string(appendSalesRows(nil, tc.l, SalesView{CanBulk: tc.bulk, Rows: rows, Query: "view=active"})); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.name, got, tc.want)
		}
	}
}

// TestClosedRowsMarkup: a closed view has no next step; the archived view
// gives the reason and the archive day their own cells, the sold view the
// day it was sold.
func TestClosedRowsMarkup(t *testing.T) {
	day := time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC)
	rows := []SalesRow{{ID: 5, Title: "T", Pending: "Next", Reason: "Price & terms", ClosedAt: day, Status: "St"}}
	l := NewLocale("en", "", "USD", time.UTC)
	for view, want := range map[crm.State]string{
		crm.StateArchived: `<td class="last"></td><td class="reason">Price &amp; terms</td><td class="closed">Mar 4, 2026</td><td class="status">St</td>`,
		crm.StateSold:     `<td class="last"></td><td class="closed">Mar 4, 2026</td><td class="status">St</td>`,
	} {
		v := SalesView{Rows: rows}
		v.Filters.View = view
		if got := string(appendSalesRows(nil, l, v)); !strings.Contains(got, want) || strings.Contains(got, "Next") {
			t.Errorf("%s:\n got: %s\nwant: %s", view, got, want)
		}
	}
}

func TestAppendOptions(t *testing.T) {
	cs := []crm.Choice{{ID: 3, Name: "Ann & <Bo>", Active: true}, {ID: 31, Name: "Cy", Active: true}, {ID: 1, Name: `"Q"`, Active: true},
		{ID: 7, Name: "Gone"}, {ID: 8, Name: "Gone but chosen"}}
	got := string(appendOptions(nil, cs, "8"))
	want := `<option value="3">Ann &amp; &lt;Bo&gt;</option><option value="31">Cy</option><option value="1">&#34;Q&#34;</option>` +
		`<option value="8" selected>Gone but chosen</option>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func BenchmarkAppendEscaped(b *testing.B) {
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = buf[:0]
		for range 20 {
			buf = appendEscaped(buf, "Heat pump + PV – Novak household")
			buf = appendEscaped(buf, "Maria Novak")
		}
	}
}
