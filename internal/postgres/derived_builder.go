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
//
// sold_at is written here too: a sold project's sale instant as the engine
// defines it (the won milestone's completion, see pipeline's doc), so that
// the builder's sold month and sold-at filter, the workspace and the
// exports count a sale where every report does, also after the won flag
// moved to another milestone. The decisions and the import write the
// instant they know; this corrects it when the definition says otherwise.
type builderDays struct {
	stageDay pgtype.Date
	cycle    pgtype.Int8
	soldAt   pgtype.Timestamptz
}

// builderDaysOf is the builder's columns of the engine's derived facts.
func builderDaysOf(d pipeline.Derived) builderDays {
	b := builderDays{stageDay: pgtype.Date{Time: d.StageDay, Valid: !d.StageDay.IsZero()}}
	if d.State == pipeline.StateSold {
		b.cycle = pgtype.Int8{Int64: d.CycleSeconds, Valid: true}
		b.soldAt = pgtype.Timestamptz{Time: d.SoldAt, Valid: true}
	}
	return b
}

// equal compares the sale instants in whole seconds, as the engine reads
// them: a sale stored with its microseconds is not written again.
func (a builderDays) equal(b builderDays) bool {
	return a.stageDay.Valid == b.stageDay.Valid && a.stageDay.Time.Equal(b.stageDay.Time) && a.cycle == b.cycle &&
		a.soldAt.Valid == b.soldAt.Valid && a.soldAt.Time.Unix() == b.soldAt.Time.Unix()
}

// queueBuilderDays writes the builder's columns of the rows whose values
// changed (most changes leave them as they were: no second write).
func queueBuilderDays(b *pgx.Batch, tenant crm.TenantID, rows []derivedRow) {
	ids, days, cycles, sold := make([]int64, len(rows)), make([]pgtype.Date, len(rows)), make([]pgtype.Int8, len(rows)),
		make([]pgtype.Timestamptz, len(rows))
	for i, r := range rows {
		ids[i], days[i], cycles[i], sold[i] = r.id, r.s.days.stageDay, r.s.days.cycle, r.s.days.soldAt
	}
	b.Queue(`UPDATE projects p SET stage_day = v.day, cycle_seconds = v.cycle, sold_at = v.sold
		  FROM unnest($2::bigint[], $3::date[], $4::bigint[], $5::timestamptz[]) AS v(id, day, cycle, sold)
		 WHERE p.tenant_id = $1 AND p.id = v.id`, tenant, ids, days, cycles, sold)
}

// stageDayOf is a stored stage date as the engine reads it (zero: none).
func stageDayOf(d pgtype.Date) time.Time {
	if !d.Valid || d.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return d.Time
}
