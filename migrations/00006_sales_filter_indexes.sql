-- +goose Up
-- The Sales screen's single-column filters, each with the default sort
-- (newest first), so a filtered first page and its capped count read one
-- index range instead of walking the tenant's active projects and testing
-- each one (a status filter read ~5,000 heap pages for 51 rows at a million
-- projects; the planner cannot know a tenant's status IDs are not rare).
-- Owner and pending milestone have theirs since 00004.
CREATE INDEX projects_sales_status_created_idx ON projects (tenant_id, state, status_id, created_at DESC, id DESC);
CREATE INDEX projects_sales_source_created_idx ON projects (tenant_id, state, source_id, created_at DESC, id DESC);
CREATE INDEX projects_sales_last_created_idx ON projects (tenant_id, state, last_milestone_id, created_at DESC, id DESC);
-- "Late only": the capped count and the rep load read late_from (and the
-- deferred projects' defer_until) from the index alone.
CREATE INDEX projects_sales_late_idx ON projects (tenant_id, state, late_from) INCLUDE (defer_until);

-- +goose Down
DROP INDEX projects_sales_status_created_idx, projects_sales_source_created_idx,
  projects_sales_last_created_idx, projects_sales_late_idx;
