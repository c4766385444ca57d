package postgres

import "testing"

// TestPlanRows: the count estimate is the plan's on plain PostgreSQL, and the
// task's on a Citus coordinator (whose own node estimates 0 rows).
func TestPlanRows(t *testing.T) {
	for _, c := range []struct {
		name, plan string
		want       int64
	}{
		{"postgres", `[{"Plan": {"Node Type": "Index Only Scan", "Plan Rows": 1234}}]`, 1234},
		{"citus", `[{"Plan": {"Node Type": "Custom Scan", "Custom Plan Provider": "Citus Adaptive", "Plan Rows": 0,
			"Distributed Query": {"Job": {"Task Count": 1, "Tasks Shown": "All", "Tasks": [{"Node": "host=127.0.0.1 port=5462 dbname=x",
			"Remote Plan": [[{"Plan": {"Node Type": "Index Scan", "Plan Rows": 5678}}]]}]}}}}]`, 5678},
	} {
		got, err := planRows([]byte(c.plan))
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}
