package pipeline

import "testing"

func TestCommission(t *testing.T) {
	for _, c := range []struct {
		value int64
		bp    int
		want  int64
	}{
		{10000, 250, 250},
		{1, 5000, 1},    // half a cent rounds up
		{1, 4999, 0},    // under half a cent rounds down
		{333, 1500, 50}, // 49.95 → 50
		{-500, 1000, 0}, // a negative value earns nothing
		{100, -5, 0},    // rates are clamped to 0–100 %
		{100, 20000, 100},
	} {
		if got := Commission(c.value, c.bp); got != c.want {
			t.Errorf("Commission(%d, %d) = %d, want %d", c.value, c.bp, got, c.want)
		}
	}
}

func TestForecastCoverage(t *testing.T) {
	c := ForecastCell{Pipeline: 100, BestCase: 50, Commit: 150, ClosedWon: 400, Quota: 500}
	if c.Open() != 300 || c.Gap() != 100 || c.Coverage() != 3 {
		t.Errorf("open %d gap %d coverage %v", c.Open(), c.Gap(), c.Coverage())
	}
	c.ClosedWon = 600 // quota made: nothing left to cover
	if c.Gap() != 0 || c.Coverage() != 0 {
		t.Errorf("gap %d coverage %v", c.Gap(), c.Coverage())
	}
}
