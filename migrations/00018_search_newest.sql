-- +goose Up
-- A search for a word that many projects share reads the view's search
-- texts newest first and stops at the page's cap, instead of gathering
-- every project that has the word.
CREATE INDEX project_search_newest_idx ON project_search (tenant_id, phase, created_at DESC, project_id DESC);

-- +goose Down
DROP INDEX project_search_newest_idx;
