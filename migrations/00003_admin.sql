-- +goose Up
-- Administration: session epochs (sign out everywhere, deactivation), unique
-- names within each definition list, and the indexes the admin screens use.

-- A session remembers the epoch of its user at log-in; raising the epoch ends
-- every older session of that user on its next request.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- Names are unique within a list (case-insensitive), so a pick list never
-- shows two values that look the same.
CREATE UNIQUE INDEX milestone_defs_name_key ON milestone_defs (tenant_id, lower(name));
CREATE UNIQUE INDEX milestone_statuses_name_key ON milestone_statuses (tenant_id, lower(name));
CREATE UNIQUE INDEX archive_reasons_name_key ON archive_reasons (tenant_id, lower(name));
CREATE UNIQUE INDEX lead_sources_name_key ON lead_sources (tenant_id, lower(name));

CREATE INDEX user_tokens_user_idx ON user_tokens (tenant_id, user_id, kind);
CREATE INDEX audit_log_entity_idx ON audit_log (tenant_id, entity, at DESC, id DESC);
CREATE INDEX audit_log_user_idx ON audit_log (tenant_id, user_id, at DESC, id DESC);
CREATE INDEX quotas_month_idx ON quotas (tenant_id, month);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_user_fk FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id);

-- +goose Down
ALTER TABLE audit_log DROP CONSTRAINT audit_log_user_fk;
DROP INDEX quotas_month_idx, audit_log_user_idx, audit_log_entity_idx, user_tokens_user_idx,
  lead_sources_name_key, archive_reasons_name_key, milestone_statuses_name_key, milestone_defs_name_key;
ALTER TABLE users DROP COLUMN session_epoch;
