-- +goose Up
-- A milestone added to a live process may apply only to projects that had
-- not reached a later milestone; the others skip it: it is never pending,
-- due or late for them (internal/pipeline/doc.go, "Skipped"). One row per
-- project and skipped milestone, written when the milestone is added.
CREATE TABLE milestone_skips (
  tenant_id    bigint NOT NULL,
  project_id   bigint NOT NULL,
  milestone_id bigint NOT NULL,
  PRIMARY KEY (tenant_id, project_id, milestone_id)
);
CREATE INDEX milestone_skips_milestone_idx ON milestone_skips (tenant_id, milestone_id);
ALTER TABLE milestone_skips ADD CONSTRAINT milestone_skips_project_fk
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE milestone_skips ADD CONSTRAINT milestone_skips_milestone_fk
  FOREIGN KEY (tenant_id, milestone_id) REFERENCES milestone_defs (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE milestone_skips ENABLE ROW LEVEL SECURITY;
ALTER TABLE milestone_skips FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON milestone_skips
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);
GRANT SELECT, INSERT, UPDATE, DELETE ON milestone_skips TO pipewell_app;

-- +goose Down
DROP TABLE milestone_skips;
