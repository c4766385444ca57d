-- +goose Up
-- A salesperson's account and contact lists (and the new-lead picker) ask
-- "a project I own links to it" of every row: the owner's projects' account
-- and contact from the index alone, instead of reading each project.
CREATE INDEX projects_owner_customer_idx ON projects (tenant_id, owner_id) INCLUDE (account_id, contact_id);

-- +goose Down
DROP INDEX projects_owner_customer_idx;
