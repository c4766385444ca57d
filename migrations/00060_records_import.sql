-- +goose Up
-- Imports of accounts and contacts. A record may carry the ID it had in the
-- system it came from (or in the tenant a Pipewell export came from), so
-- that importing the same file again updates it instead of adding it
-- twice, and a contacts file can name its accounts by those IDs. An
-- import and a saved mapping are of one kind: projects, accounts or
-- contacts.
-- (The checks are added on their own: Citus refuses ADD COLUMN with a constraint.)
ALTER TABLE accounts ADD COLUMN external_id text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN external_id text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD CONSTRAINT accounts_external_id_check CHECK (length(external_id) <= 200);
ALTER TABLE contacts ADD CONSTRAINT contacts_external_id_check CHECK (length(external_id) <= 200);
CREATE UNIQUE INDEX accounts_external_id_idx ON accounts (tenant_id, external_id) WHERE external_id <> '';
CREATE UNIQUE INDEX contacts_external_id_idx ON contacts (tenant_id, external_id) WHERE external_id <> '';
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('projects', 'accounts', 'contacts'));
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_kind_check;
ALTER TABLE import_mappings ADD CONSTRAINT import_mappings_kind_check CHECK (kind IN ('projects', 'accounts', 'contacts'));

-- +goose Down
DELETE FROM import_mappings WHERE kind <> 'projects';
DELETE FROM imports WHERE kind <> 'projects';
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_kind_check;
ALTER TABLE import_mappings ADD CONSTRAINT import_mappings_kind_check CHECK (kind IN ('projects'));
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('projects'));
DROP INDEX contacts_external_id_idx;
DROP INDEX accounts_external_id_idx;
ALTER TABLE contacts DROP COLUMN external_id;
ALTER TABLE accounts DROP COLUMN external_id;
