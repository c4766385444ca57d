package server

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// BenchmarkSalesPageRender is the Sales screen's own work after its SQL: the
// query parsed, the view filled and the page rendered, for a manager's first
// page of 50 rows with the choices of the benchmark's big tenant (52 users,
// 8 milestones, 10 statuses, 10 sources, 8 archive reasons, 4 workgroups).
func BenchmarkSalesPageRender(b *testing.B) {
	opts := postgres.SalesOptions{}
	for i := range 52 {
		opts.Owners = append(opts.Owners, crm.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Noah Walker%d", i), Active: true})
	}
	for i := range 10 {
		opts.Statuses = append(opts.Statuses, crm.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Status %d", i), Active: true})
		opts.Sources = append(opts.Sources, crm.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Source %d", i), Active: true})
	}
	for i := range 8 {
		opts.Reasons = append(opts.Reasons, crm.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Reason %d", i), Active: true})
		opts.Milestones = append(opts.Milestones, crm.MilestoneDef{ID: crm.MilestoneID(i + 1), Position: i, Active: true,
			MilestoneSpec: crm.MilestoneSpec{Name: fmt.Sprintf("Milestone %d", i)}})
	}
	for i := range 4 {
		opts.Workgroups = append(opts.Workgroups, crm.Choice{ID: int64(i + 1), Name: fmt.Sprintf("Team %d", i), Active: true})
	}
	now := time.Now()
	var page postgres.SalesPage
	for i := range 50 {
		page.Rows = append(page.Rows, postgres.SalesRow{ID: crm.ProjectID(1257411 - i), Title: "Heat pump + PV – Novak",
			Customer: "Maria Novak household", OwnerName: "Priya Brown23", LastID: 1, LastAt: now, PendingID: 2,
			PendingDue: now.Add(48 * time.Hour), Value: 3598600, CreatedAt: now.Add(-time.Hour), State: crm.StateActive})
	}
	page.Total, page.Next = 101243, "abc"
	ctx := web.WithLocale(context.Background(), web.NewLocale("", "en", "USD", time.UTC))
	q := url.Values{"view": {"active"}}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		sq := parseSalesQuery(q, time.UTC, now)
		v := web.SalesView{Page: web.Page{Title: "sales.title", Nav: "nav.sales", RequestID: "0123456789abcdef",
			User: &web.Viewer{Name: "Admin", Email: "admin@bench000.example", Role: crm.RoleAdmin, Company: "Bench 000"}}, CanBulk: true}
		fillSalesView(&v, sq, opts, page, now, time.UTC, "/")
		buf.Reset()
		if err := web.SalesPage(v).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
