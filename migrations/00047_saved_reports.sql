-- +goose Up
-- Saved builder reports (the table exists since 00001, with row-level
-- security, and is distributed by tenant on Citus since 00040): when a
-- report was last changed, and only the builder's two kinds.
ALTER TABLE saved_reports ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE saved_reports ADD CONSTRAINT saved_reports_kind_check CHECK (kind IN ('detail', 'summary'));
CREATE INDEX saved_reports_shared_idx ON saved_reports (tenant_id, shared, name);

-- +goose Down
DROP INDEX saved_reports_shared_idx;
ALTER TABLE saved_reports DROP CONSTRAINT saved_reports_kind_check;
ALTER TABLE saved_reports DROP COLUMN updated_at;
