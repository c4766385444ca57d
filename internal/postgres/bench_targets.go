package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RouteTargets are the rows of a tenant that the route benchmark's URLs
// point at, picked so that each page does its most work: the project with
// the longest log, the account with the most projects and one of its
// contacts, the milestone with the most completions, the salesperson who
// owns the most projects, a workgroup, a word that many projects' search
// texts and account names share and one that few do.
type RouteTargets struct {
	Project, Account, Contact, Milestone, Workgroup int64
	Sales                                           int64
	SalesEmail                                      string
	// The salesperson's own project with the longest log, its account and
	// contact: what the routes are requested at as the salesperson.
	SalesProject, SalesAccount, SalesContact int64
	CommonWord, RareWord, CommonAccountWord  string
}

// RouteTargets picks the bound tenant's targets. It reads whole indexes
// (seconds on a tenant of a million projects): for the benchmark only.
func (tx *Tx) RouteTargets(ctx context.Context) (RouteTargets, error) {
	var t RouteTargets
	steps := []struct {
		what, sql string
		dest      []any
	}{
		{"project", `SELECT project_id FROM project_log WHERE tenant_id = $1 GROUP BY project_id ORDER BY count(*) DESC, project_id LIMIT 1`, []any{&t.Project}},
		{"account", `SELECT account_id FROM projects WHERE tenant_id = $1 GROUP BY account_id ORDER BY count(*) DESC, account_id LIMIT 1`, []any{&t.Account}},
		{"milestone", `SELECT milestone_id FROM milestone_completions WHERE tenant_id = $1 GROUP BY milestone_id ORDER BY count(*) DESC, milestone_id LIMIT 1`, []any{&t.Milestone}},
		{"salesperson", `SELECT u.id, u.email FROM users u JOIN (SELECT owner_id, count(*) AS n FROM projects WHERE tenant_id = $1 GROUP BY owner_id) o ON o.owner_id = u.id
			WHERE u.tenant_id = $1 AND u.role = 'sales' AND u.active ORDER BY o.n DESC, u.id LIMIT 1`, []any{&t.Sales, &t.SalesEmail}},
		{"workgroup", `SELECT COALESCE(min(id), 0) FROM workgroups WHERE tenant_id = $1`, []any{&t.Workgroup}},
	}
	for _, s := range steps {
		if err := tx.QueryRow(ctx, s.sql, tx.Tenant).Scan(s.dest...); err != nil {
			return t, fmt.Errorf("route targets: %s: %w", s.what, err)
		}
	}
	if err := tx.QueryRow(ctx, `SELECT COALESCE(min(id), 0) FROM contacts WHERE tenant_id = $1 AND account_id = $2`, tx.Tenant, t.Account).Scan(&t.Contact); err != nil {
		return t, fmt.Errorf("route targets: contact: %w", err)
	}
	err := tx.QueryRow(ctx, `SELECT p.id, p.account_id, COALESCE(p.contact_id, 0) FROM projects p WHERE p.tenant_id = $1 AND p.owner_id = $2
		ORDER BY (SELECT count(*) FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = p.id) DESC, p.id LIMIT 1`,
		tx.Tenant, t.Sales).Scan(&t.SalesProject, &t.SalesAccount, &t.SalesContact)
	if err != nil {
		return t, fmt.Errorf("route targets: the salesperson's project: %w", err)
	}
	// Words: counted in a sample of the search words and of the account
	// names; the rare word is the sampled word with the fewest projects.
	rows, err := tx.Query(ctx, `SELECT word, count(*) FROM project_search_words TABLESAMPLE SYSTEM (2)
		WHERE tenant_id = $1 AND word NOT LIKE '% %' AND length(word) >= 4 GROUP BY word`, tx.Tenant)
	if err != nil {
		return t, fmt.Errorf("route targets: words: %w", err)
	}
	type wc struct {
		w string
		n int64
	}
	var words []wc
	for rows.Next() {
		var w wc
		if err := rows.Scan(&w.w, &w.n); err != nil {
			rows.Close()
			return t, err
		}
		words = append(words, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("route targets: words: %w", err)
	}
	if len(words) == 0 {
		return t, fmt.Errorf("route targets: no search words sampled")
	}
	slices.SortFunc(words, func(a, b wc) int {
		if a.n != b.n {
			return int(b.n - a.n)
		}
		return strings.Compare(a.w, b.w)
	})
	t.CommonWord = words[0].w
	best := int64(-1)
	for _, w := range words[len(words)-min(len(words), 20):] {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM project_search_words WHERE tenant_id = $1 AND phase = 'active' AND word = $2`, tx.Tenant, w.w).Scan(&n); err != nil {
			return t, fmt.Errorf("route targets: rare word: %w", err)
		}
		if n > 0 && (best < 0 || n < best) {
			best, t.RareWord = n, w.w
		}
	}
	if t.RareWord == "" {
		t.RareWord = words[len(words)-1].w
	}
	names := map[string]int{}
	rows, err = tx.Query(ctx, `SELECT name FROM accounts TABLESAMPLE SYSTEM (5) WHERE tenant_id = $1 LIMIT 20000`, tx.Tenant)
	if err != nil {
		return t, fmt.Errorf("route targets: account names: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return t, err
		}
		for _, w := range searchTokens(strings.ToLower(name)) {
			if len(w) >= 3 {
				names[w]++
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("route targets: account names: %w", err)
	}
	for w, n := range names {
		if n > names[t.CommonAccountWord] || (n == names[t.CommonAccountWord] && w < t.CommonAccountWord) {
			t.CommonAccountWord = w
		}
	}
	if t.CommonAccountWord == "" {
		t.CommonAccountWord = t.CommonWord
	}
	return t, nil
}
