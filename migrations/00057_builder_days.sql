-- +goose Up
-- What the report builder's day measures read, computed by the engine and
-- written with each project's other derived columns: the local date the
-- project entered its current stage (days in stage = today − that date) and
-- a sold project's sales cycle in seconds. Filled for existing projects by
-- the derived-data refresh `pipewell migrate` runs (derived version 3).
ALTER TABLE projects ADD COLUMN stage_day date;
ALTER TABLE projects ADD COLUMN cycle_seconds bigint;

-- +goose Down
ALTER TABLE projects DROP COLUMN cycle_seconds;
ALTER TABLE projects DROP COLUMN stage_day;
