package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/pipewell/pipewell/internal/crm"
)

// The Sales screen's text search reads narrow side tables instead of
// projects (migration 00007 explains why: under row-level security only
// leakproof comparisons can use an index, and text comparisons are):
//
//   - project_search: one row per project with its phase, when it counts as
//     active, its creation time (the default order) and its search text;
//   - project_search_words: one row per distinct word of that text and per
//     pair of adjacent words, with the project's phase.
//
// A search takes the projects of the view that have words starting with
// the searched words (for several words, pairs of adjacent words starting
// with each pair of them), then keeps those whose text contains the
// searched text, newest first, at most SalesSearchCap of them. derive keeps
// both tables in step with each project's text; the words are cut here, in
// Go, for the stored texts and the searched ones alike.

// searchTokens cuts s into words: runs of letters, marks and digits; each
// Han, Hiragana, Katakana or Hangul character is a word of its own (those
// scripts have no spaces, so a search finds any part of a name).
func searchTokens(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if start < 0 {
				start = i
			}
		default:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// searchWords are the keys a search text is looked up by: each distinct
// word and each pair of adjacent words, joined by a space.
func searchWords(text string) []string {
	ws := searchTokens(text)
	seen := make(map[string]bool, 2*len(ws))
	out := make([]string, 0, 2*len(ws))
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	for i, w := range ws {
		add(w)
		if i+1 < len(ws) {
			add(w + " " + ws[i+1])
		}
	}
	return out
}

// searchKeys are the prefixes a query is looked up by: its one word (the
// last word may be partly typed), or the pairs of its adjacent words.
func searchKeys(q string) []string {
	ws := searchTokens(q)
	if len(ws) <= 1 {
		return ws
	}
	keys := make([]string, 0, len(ws)-1)
	seen := map[string]bool{}
	for i := 0; i+1 < len(ws); i++ {
		k := ws[i] + " " + ws[i+1]
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// SearchKeyCap is how many word entries a searched word may have for the
// search to start from them; a word more projects share than that is
// searched from the view's newest texts instead (see resolveText).
const SearchKeyCap = 10000

// SearchDenseCap is how many matches a search for words that many projects
// share collects, newest first; its count then says "at least" that many.
const SearchDenseCap = 500

// resolveText runs the text search once for the screen's statements: the
// IDs of the projects of f's view whose text contains f.Text, newest first.
// It first counts, up to SearchKeyCap, the word entries of each searched
// key (an index range each). When the rarest key has at most that many,
// its projects are the candidates: each is looked up by its key and checked
// for the other keys (its own word rows) and the phrase, and the newest
// SalesSearchCap kept. (Joined instead, the planner, which expects a LIKE
// to keep almost nothing, read the candidates once per row of the view: 4
// million rows for 2,000 sold projects.) When
// every key is that common, matches are dense: the view's texts are read
// newest first, each checked the same way, until SearchDenseCap match.
// Either way a search reads a bounded number of rows, however common its
// words.
func (tx *Tx) resolveText(ctx context.Context, f *SalesFilter) error {
	if f.Text == "" || f.resolved {
		return nil
	}
	args := []any{tx.Tenant}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	view := f.searchView(arg)
	pattern := arg("%" + escapeLike(f.Text) + "%")
	var q string
	limit := SalesSearchCap
	keys := searchKeys(f.Text)
	if len(keys) == 0 {
		// Nothing to look up by: test the view's texts one by one.
		q = `SELECT s.project_id FROM project_search s WHERE s.tenant_id = $1 AND ` + view + ` AND s.text LIKE ` + pattern +
			` ORDER BY s.created_at DESC, s.project_id DESC LIMIT ` + arg(limit)
	} else {
		hi := make([]string, len(keys))
		for i, k := range keys {
			hi[i] = k + "\U0010FFFF"
		}
		phase := f.phase()
		var counts []int64
		err := tx.QueryRow(ctx, `SELECT array_agg((SELECT count(*) FROM (SELECT 1 FROM project_search_words x
			    WHERE x.tenant_id = $1 AND x.phase = $2 AND x.word >= w.lo COLLATE "C" AND x.word < w.hi COLLATE "C" LIMIT $5) c) ORDER BY w.i)
			  FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS w(lo, hi, i)`,
			tx.Tenant, phase, keys, hi, SearchKeyCap+1).Scan(&counts)
		if err != nil {
			return fmt.Errorf("text search: %w", err)
		}
		rarest := 0
		for i, n := range counts {
			if n < counts[rarest] {
				rarest = i
			}
		}
		ph := arg(phase)
		// has is the check that project s has a word starting with key i,
		// from its own word rows. A scalar sub-select, not EXISTS: the
		// planner would turn EXISTS into a join over the key's whole range,
		// the very read this avoids.
		has := func(i int) string {
			return `(SELECT true FROM project_search_words y WHERE y.tenant_id = $1 AND y.project_id = s.project_id
				AND y.phase = ` + ph + ` AND y.word >= ` + arg(keys[i]) + ` COLLATE "C" AND y.word < ` + arg(hi[i]) + ` COLLATE "C" LIMIT 1)`
		}
		var checks []string
		for i := range keys {
			if i != rarest || counts[rarest] > SearchKeyCap {
				checks = append(checks, has(i))
			}
		}
		check := ""
		if len(checks) > 0 {
			check = " AND " + strings.Join(checks, " AND ")
		}
		if counts[rarest] <= SearchKeyCap {
			q = `WITH c AS MATERIALIZED (
				SELECT DISTINCT x.project_id FROM project_search_words x
				 WHERE x.tenant_id = $1 AND x.phase = ` + ph + `
				   AND x.word >= ` + arg(keys[rarest]) + ` COLLATE "C" AND x.word < ` + arg(hi[rarest]) + ` COLLATE "C")
			SELECT s.project_id FROM c CROSS JOIN LATERAL (
				SELECT s.project_id, s.created_at FROM project_search s
				 WHERE s.tenant_id = $1 AND s.project_id = c.project_id AND ` + view + ` AND s.text LIKE ` + pattern + check + `
				OFFSET 0) s
			 ORDER BY s.created_at DESC, s.project_id DESC LIMIT ` + arg(limit)
		} else {
			limit = SearchDenseCap
			if f.DenseCap > 0 {
				limit = f.DenseCap
			}
			q = `SELECT s.project_id FROM project_search s WHERE s.tenant_id = $1 AND ` + view +
				` AND s.text LIKE ` + pattern + check + ` ORDER BY s.created_at DESC, s.project_id DESC LIMIT ` + arg(limit)
		}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("text search: %w", err)
	}
	f.matches = []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("text search: %w", err)
		}
		f.matches = append(f.matches, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("text search: %w", err)
	}
	f.capped = len(f.matches) >= limit
	f.resolved = true
	return nil
}

// searchView is the view's predicate on project_search (alias s).
func (f SalesFilter) searchView(arg func(any) string) string {
	switch f.view() {
	case crm.StateDeferred:
		return "s.phase = 'open' AND s.active_from > " + arg(f.Now)
	case crm.StateArchived:
		return "s.phase = 'archived'"
	case crm.StateSold:
		return "s.phase = 'sold'"
	}
	return "s.phase = 'open' AND s.active_from <= " + arg(f.Now)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
