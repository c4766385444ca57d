-- +goose Up
-- The active view counts the deferred projects whose day has come from the
-- totals: an index range by the day they come back, instead of every
-- deferred group of the tenant (thousands at a million projects).
CREATE INDEX project_totals_deferred_idx ON project_totals (tenant_id, active_from) WHERE state = 'deferred';

-- +goose Down
DROP INDEX project_totals_deferred_idx;
