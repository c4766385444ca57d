package pipeline

import (
	"slices"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	keys := ExplainKeys()
	if len(keys) < 25 || !slices.IsSorted(keys) {
		t.Fatalf("keys %v", keys)
	}
	for _, k := range keys {
		s, ok := Explain(k)
		if !ok || len(s) < 40 || strings.Contains(s, "  ") {
			t.Errorf("%s: %q", k, s)
		}
	}
	for _, k := range []string{"win_rate", "sales_velocity", "late", "weighted_value", "calibration_backtest"} {
		if _, ok := Explain(k); !ok {
			t.Errorf("missing %s", k)
		}
	}
	if _, ok := Explain("nope"); ok {
		t.Errorf("unknown key explained")
	}
	ExplainKeys()[0] = "changed" // callers get a copy
	if ExplainKeys()[0] == "changed" {
		t.Errorf("ExplainKeys shares its slice")
	}
}
