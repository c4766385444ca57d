-- +goose Up
-- What makes a project late, when it is a subtask or scheduled event rather
-- than its milestone: the first instant its most overdue open item is late,
-- that item's due instant (a subtask's due day's first instant, an event's
-- start) and its kind, written by the application with the other derived
-- data, so a list can say "task 2 days late" without reading the items.
-- Existing rows are filled by the refresh that `pipewell migrate` runs for
-- tenants whose derived data is older (derived_version).
ALTER TABLE projects
  ADD COLUMN item_late_from timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN item_due_at    timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN item_kind      text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE projects DROP COLUMN item_late_from, DROP COLUMN item_due_at, DROP COLUMN item_kind;
