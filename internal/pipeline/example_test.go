package pipeline_test

import (
	"fmt"
	"time"

	"github.com/pipewell/pipewell/internal/pipeline"
)

func Example() {
	loc, _ := time.LoadLocation("Europe/Berlin")
	defs := []pipeline.MilestoneDef{
		{ID: 1, Position: 1, Probability: 10, Active: true},                                    // Lead created
		{ID: 2, Position: 2, DeadlineDays: 2, Probability: 25, Qualifying: true, Active: true}, // Lead qualified
		{ID: 3, Position: 3, DeadlineDays: 7, Probability: 50, Active: true},                   // Proposed
		{ID: 4, Position: 4, DeadlineDays: 30, Probability: 100, Won: true, Active: true},      // Sold
	}
	now := time.Date(2026, 3, 20, 10, 0, 0, 0, loc)
	e, err := pipeline.NewEngine(defs, pipeline.Settings{Location: loc, Now: now, StagnantDays: 14})
	if err != nil {
		panic(err)
	}
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, loc)
	projects := []pipeline.Project{
		{ID: 1, OwnerID: 7, Value: 12_000_00, CreatedAt: created,
			Completions: []pipeline.Completion{{MilestoneID: 1, At: created}, {MilestoneID: 2, At: created.AddDate(0, 0, 1)}}},
		{ID: 2, OwnerID: 8, Value: 5_000_00, CreatedAt: created,
			Completions: []pipeline.Completion{{MilestoneID: 1, At: created}}},
	}

	// One project, as on the Sales screen.
	f := e.Facts(&projects[1])
	fmt.Println("pending:", e.MilestoneID(f.Pending), "due:", f.PendingDue.Format(time.DateOnly), "late:", f.Late, f.DaysLate)

	// Reports: evaluate each project once, feed every accumulator.
	board := pipeline.NewPipeline(e, pipeline.PipelineOptions{Group: e.KeyFunc(pipeline.ByOwner)})
	b := pipeline.NewBatch(e, board)
	for i := range projects {
		b.Add(&projects[i])
	}
	total := board.Result().Total.Total
	fmt.Println("open:", total.Count, "value:", total.Value, "weighted:", total.Weighted)
	// Output:
	// pending: 2 due: 2026-03-04 late: true 16
	// open: 2 value: 1700000 weighted: 350000
}
