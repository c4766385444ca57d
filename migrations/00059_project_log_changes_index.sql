-- +goose Up
-- The past rebuilt from the log (Pipeline changes, reports as of a past
-- day): the changes of value, expected close, state and the like logged
-- since an instant, instead of every log entry of the tenant.
CREATE INDEX IF NOT EXISTS project_log_changes_idx ON project_log (tenant_id, at) WHERE kind IN ('field_changed', 'state_changed');

-- +goose Down
DROP INDEX project_log_changes_idx;
