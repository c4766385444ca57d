-- +goose Up
-- My day reads a user's own things across projects: their open projects by
-- due date, their open subtasks and events by due day, their untouched new
-- leads. Each list is an index range of the user's rows.
CREATE INDEX projects_owner_due_idx ON projects (tenant_id, owner_id, phase, pending_due_at) INCLUDE (active_from);
CREATE INDEX projects_owner_untouched_idx ON projects (tenant_id, owner_id, created_at DESC) WHERE first_touch_at IS NULL AND phase = 'open';
CREATE INDEX subtasks_assignee_open_idx ON subtasks (tenant_id, assignee_id, due_date) WHERE NOT done;
CREATE INDEX scheduled_events_owner_open_idx ON scheduled_events (tenant_id, owner_id, starts_at) WHERE NOT done;

-- +goose Down
DROP INDEX projects_owner_due_idx, projects_owner_untouched_idx, subtasks_assignee_open_idx, scheduled_events_owner_open_idx;
