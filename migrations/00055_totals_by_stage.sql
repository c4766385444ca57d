-- +goose Up
-- The pipeline board's columns are the stage each deal has reached (its
-- last completed milestone), so the running totals are kept by it too:
-- projects, value and weighted value by state, owner, pending milestone,
-- last completed milestone (0: none completed) and active_from. The rows
-- already there count under 0 until `pipewell migrate` recomputes every
-- tenant (derived version 3), which rebuilds the totals from the projects.
-- (The primary key is replaced on its own: Citus refuses ADD COLUMN with a
-- constraint.)
ALTER TABLE project_totals ADD COLUMN last_milestone_id bigint NOT NULL DEFAULT 0;
ALTER TABLE project_totals DROP CONSTRAINT project_totals_pkey;
ALTER TABLE project_totals ADD CONSTRAINT project_totals_pkey
  PRIMARY KEY (tenant_id, state, owner_id, pending_milestone_id, last_milestone_id, active_from);

-- +goose Down
ALTER TABLE project_totals DROP CONSTRAINT project_totals_pkey;
ALTER TABLE project_totals DROP COLUMN last_milestone_id;
ALTER TABLE project_totals ADD CONSTRAINT project_totals_pkey
  PRIMARY KEY (tenant_id, state, owner_id, pending_milestone_id, active_from);
