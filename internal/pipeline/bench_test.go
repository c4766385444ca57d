package pipeline

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// benchProjects builds n synthetic projects once: 4096 random templates
// whose completion and item slices are shared, stamped with their own ID,
// owner (50), workgroup, source and value.
func benchProjects(n int) ([]MilestoneDef, []Project) {
	defs := genDefs(6)
	templates := genProjects(42, 4096, defs, 50)
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]Project, n)
	for i := range ps {
		ps[i] = templates[i%len(templates)]
		ps[i].ID = int64(i + 1)
		ps[i].OwnerID = int64(1 + r.IntN(50))
		ps[i].WorkgroupID = int64(1 + r.IntN(5))
		ps[i].SourceID = int64(1 + r.IntN(8))
		if ps[i].Value > 0 {
			ps[i].Value = 100 + r.Int64N(10_000_000)
		}
	}
	return defs, ps
}

var (
	bench100k = sync.OnceValues(func() ([]MilestoneDef, []Project) { return benchProjects(100_000) })
	bench1M   = sync.OnceValues(func() ([]MilestoneDef, []Project) { return benchProjects(1_000_000) })
)

// benchAll runs every accumulator at once over ps, grouped by owner, and
// reads every result.
func benchAll(b *testing.B, defs []MilestoneDef, ps []Project) {
	e := engine(b, defs, Settings{Location: berlin, Now: genNow, StagnantDays: 14})
	year, _ := ParsePeriod("2025", berlin)
	owner := e.KeyFunc(ByOwner)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fu := NewFunnel(e, FunnelOptions{Period: year, Group: owner})
		st := NewStepTimes(e, StepOptions{Period: year, Group: owner})
		pl := NewPipeline(e, PipelineOptions{Group: owner})
		fc := NewForecast(e, ForecastOptions{Group: owner, Quotas: []Quota{{Month: MonthKey(2025, 6), Group: 1, Cents: 1e8}}})
		me := NewMetrics(e, MetricsOptions{Period: year, Group: owner})
		le := NewLearner(e, 0)
		batch := NewBatch(e, fu, st, pl, fc, me, le)
		for i := range ps {
			batch.Add(&ps[i])
		}
		_ = fu.Result()
		_ = st.Result()
		_ = pl.Result()
		_ = fc.Result()
		_ = me.Result()
		_ = le.Result()
	}
	b.ReportMetric(float64(len(ps)), "projects")
}

func BenchmarkAllReports100k(b *testing.B) {
	defs, ps := bench100k()
	benchAll(b, defs, ps)
}

func BenchmarkAllReports1M(b *testing.B) {
	defs, ps := bench1M()
	benchAll(b, defs, ps)
}

// BenchmarkEvaluate is the per-project cost of the Sales screen's facts.
func BenchmarkEvaluate(b *testing.B) {
	defs, ps := bench100k()
	e := engine(b, defs, Settings{Location: berlin, Now: genNow, StagnantDays: 14})
	var f Facts
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Evaluate(&ps[i%len(ps)], &f)
		i++
	}
}
