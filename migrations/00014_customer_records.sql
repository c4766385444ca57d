-- +goose Up
-- Customer records follow project visibility (postgres.Scope.AccountWhere and
-- ContactWhere): an account or contact is visible through the projects that
-- link to it, and one that no project links to yet through whoever created
-- it. created_by is NULL for rows written before this migration and for
-- seeded and imported rows: those are visible through their projects only
-- (and to admins).
ALTER TABLE accounts ADD COLUMN created_by bigint;
ALTER TABLE contacts ADD COLUMN created_by bigint;
ALTER TABLE accounts ADD CONSTRAINT accounts_created_by_fk FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id);
ALTER TABLE contacts ADD CONSTRAINT contacts_created_by_fk FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id);

-- A salesperson's own records without a project yet, found without reading
-- the tenant's whole directory.
CREATE INDEX accounts_created_by_idx ON accounts (tenant_id, created_by) WHERE created_by IS NOT NULL;
CREATE INDEX contacts_created_by_idx ON contacts (tenant_id, created_by) WHERE created_by IS NOT NULL;

-- The projects linked to an account or contact (visibility, and the log
-- entries of a change) are found by projects_account_idx and
-- projects_contact_idx of 00001; a contact's account by contacts_account_idx.

-- +goose Down
DROP INDEX contacts_created_by_idx;
DROP INDEX accounts_created_by_idx;
ALTER TABLE contacts DROP CONSTRAINT contacts_created_by_fk;
ALTER TABLE accounts DROP CONSTRAINT accounts_created_by_fk;
ALTER TABLE contacts DROP COLUMN created_by;
ALTER TABLE accounts DROP COLUMN created_by;
