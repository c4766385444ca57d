-- +goose Up
-- The archive reasons page counts, up to a cap, the projects archived for
-- each reason: an index range per reason (statuses and sources use the
-- phase indexes).
CREATE INDEX projects_archive_reason_idx ON projects (tenant_id, archive_reason_id) WHERE archive_reason_id IS NOT NULL;

-- Late only for a salesperson (and a manager's owners) counts each owner's
-- late projects from an index range of their own.
CREATE INDEX projects_owner_late_idx ON projects (tenant_id, owner_id, phase, late_from) INCLUDE (active_from);

-- +goose Down
DROP INDEX projects_archive_reason_idx, projects_owner_late_idx;
