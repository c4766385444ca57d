package pipeline

import "testing"

// Once every group exists, feeding projects allocates nothing, except the
// occasional doubling of a duration sample slice (step times and response
// time keep one 4-byte sample per measured duration).
func TestBatchAddAllocations(t *testing.T) {
	defs := genDefs(6)
	ps := genProjects(5, 2000, defs, 20)
	e := engine(t, defs, Settings{Location: berlin, Now: genNow, StagnantDays: 14})
	owner := e.KeyFunc(ByOwner)
	counting := NewBatch(e,
		NewFunnel(e, FunnelOptions{Group: owner}),
		NewPipeline(e, PipelineOptions{Group: owner}),
		NewForecast(e, ForecastOptions{Group: owner}),
		NewLearner(e, 0))
	sampling := NewBatch(e,
		NewStepTimes(e, StepOptions{Group: owner}),
		NewMetrics(e, MetricsOptions{Group: owner}))
	feed := func(b *Batch) {
		for i := range ps {
			b.Add(&ps[i])
		}
	}
	feed(counting)
	feed(sampling)
	if a := testing.AllocsPerRun(3, func() { feed(counting) }); a != 0 {
		t.Errorf("counting reports allocate %v times per %d projects", a, len(ps))
	}
	// 20 groups × 7 sample series, each doubling at most once when the
	// number of samples doubles.
	if a := testing.AllocsPerRun(1, func() { feed(sampling) }); a > 20*7 {
		t.Errorf("sampling reports allocate %v times per %d projects", a, len(ps))
	}
}
