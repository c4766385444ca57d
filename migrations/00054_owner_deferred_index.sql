-- +goose Up
-- My day's "deferred projects back today": an owner's deferred projects by
-- the instant they come back, instead of every deferred project of the
-- tenant in that window filtered by owner.
CREATE INDEX IF NOT EXISTS projects_owner_deferred_idx ON projects (tenant_id, owner_id, active_from) WHERE state = 'deferred';

-- +goose Down
DROP INDEX projects_owner_deferred_idx;
