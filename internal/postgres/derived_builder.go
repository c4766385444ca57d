package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// builderDays are the derived columns the report builder's day measures
// read: the local date a project entered its stage (stage_day) and a sold
// project's sales cycle in seconds (cycle_seconds, NULL for the others),
// as pipeline.Derived holds them. A summary's days in stage are today's
// date (from the engine) minus the stored date, so nothing in SQL turns an
// instant into a local day.
type builderDays struct {
	stageDay pgtype.Date
	cycle    pgtype.Int8
}

// builderDaysOf is the builder's columns of the engine's derived facts.
func builderDaysOf(d pipeline.Derived) builderDays {
	b := builderDays{stageDay: pgtype.Date{Time: d.StageDay, Valid: !d.StageDay.IsZero()}}
	if d.State == pipeline.StateSold {
		b.cycle = pgtype.Int8{Int64: d.CycleSeconds, Valid: true}
	}
	return b
}

func (a builderDays) equal(b builderDays) bool {
	return a.stageDay.Valid == b.stageDay.Valid && a.stageDay.Time.Equal(b.stageDay.Time) && a.cycle == b.cycle
}

// queueBuilderDays writes the builder's columns of the rows whose values
// changed (most changes leave them as they were: no second write).
func queueBuilderDays(b *pgx.Batch, tenant crm.TenantID, rows []derivedRow) {
	ids, days, cycles := make([]int64, len(rows)), make([]pgtype.Date, len(rows)), make([]pgtype.Int8, len(rows))
	for i, r := range rows {
		ids[i], days[i], cycles[i] = r.id, r.s.days.stageDay, r.s.days.cycle
	}
	b.Queue(`UPDATE projects p SET stage_day = v.day, cycle_seconds = v.cycle
		  FROM unnest($2::bigint[], $3::date[], $4::bigint[]) AS v(id, day, cycle)
		 WHERE p.tenant_id = $1 AND p.id = v.id`, tenant, ids, days, cycles)
}

// stageDayOf is a stored stage date as the engine reads it (zero: none).
func stageDayOf(d pgtype.Date) time.Time {
	if !d.Valid || d.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return d.Time
}
