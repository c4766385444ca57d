-- +goose Up
-- The reports' read: every column a report reads of a project, with the
-- columns its filters compare (phase first, then ID for the reports'
-- order), so a report over the projects of one or two phases reads this
-- index alone instead of the wide rows (about 200 bytes a project against
-- about 500). The history stays small enough for an index entry: one
-- completion per milestone, a dozen bytes each.
CREATE INDEX IF NOT EXISTS projects_report_idx ON projects (tenant_id, phase, id)
  INCLUDE (owner_id, source_id, value_cents, archive_reason_id, created_at, archived_at, resumed_at, last_activity_at,
           first_touch_at, defer_until, expected_close, state, forecast_category, probability_override, active_from,
           sold_at, late_from, last_milestone_id, history);

-- +goose Down
DROP INDEX projects_report_idx;
