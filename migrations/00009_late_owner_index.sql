-- +goose Up
-- The rep load panel counts each owner's late projects from this index alone
-- (an index-only scan: the owner is in it), without reading the projects.
-- It replaces the late index of 00006, whose keys it repeats.
CREATE INDEX projects_sales_late_owner_idx ON projects (tenant_id, state, late_from) INCLUDE (defer_until, owner_id);
DROP INDEX projects_sales_late_idx;

-- +goose Down
CREATE INDEX projects_sales_late_idx ON projects (tenant_id, state, late_from) INCLUDE (defer_until);
DROP INDEX projects_sales_late_owner_idx;
