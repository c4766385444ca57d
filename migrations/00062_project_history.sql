-- +goose Up
-- A project's history (its milestone completions and skipped milestones)
-- in one compact column, written with its other derived data: a report
-- reads one row per project instead of the project and all its
-- completions merged and sorted. Filled by the recompute of derived
-- version 5, which `pipewell migrate` runs after this migration.
ALTER TABLE projects ADD COLUMN history bytea;

-- +goose Down
ALTER TABLE projects DROP COLUMN history;
