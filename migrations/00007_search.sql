-- +goose Up
-- The Sales screen's free-text search reads narrow side tables instead of
-- projects.
--
-- Under row-level security the planner may use as an index condition only
-- leakproof operators: LIKE, the trigram and the full-text operators are
-- not, so the trigram index on projects was never used by the app (2.8 s at a
-- million projects: every active project of the tenant read and tested).
-- Comparisons of text are leakproof, so the search looks up the words of the
-- search text in a btree instead:
--   * project_search: one row per project, its state, creation time (the
--     default order) and search text (projects.search_text: title, customer,
--     contact name and e-mail, lower-case);
--   * project_search_words: one row per distinct word (a run of letters and
--     digits) and pair of adjacent words of that text, with the project's state.
-- A search takes the projects of the view that have words starting with the
-- searched words, then keeps those whose text contains the searched text
-- (LIKE), reading a few hundred narrow rows by key.
--
-- sales_refresh, which every summary trigger and bulk load calls, keeps both
-- in step in the same transaction, so nothing else has to call anything.
CREATE TABLE project_search (
  tenant_id  bigint NOT NULL,
  project_id bigint NOT NULL,
  state      text NOT NULL,
  created_at timestamptz NOT NULL,
  text       text NOT NULL
);

CREATE TABLE project_search_words (
  tenant_id  bigint NOT NULL,
  state      text NOT NULL,
  word       text COLLATE "C" NOT NULL,
  project_id bigint NOT NULL
);

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['project_search', 'project_search_words'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::bigint)',
      t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO pipewell_app', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- sales_search_words are the keys a search text is looked up by: each
-- distinct word (a run of letters and digits) and each pair of adjacent
-- words, joined by a space.
-- +goose StatementBegin
CREATE FUNCTION sales_search_words(s text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
  SELECT DISTINCT v.w FROM (
    SELECT x, lead(x) OVER (ORDER BY n) AS nx
      FROM regexp_split_to_table(s, '[^[:alnum:]]+') WITH ORDINALITY AS t(x, n)
     WHERE x <> '') y
   CROSS JOIN LATERAL (VALUES (y.x), (y.x || ' ' || y.nx)) v(w)
   WHERE v.w IS NOT NULL
$$;
-- +goose StatementEnd

-- sales_search_refresh copies the given projects' state, creation time and
-- search text (already refreshed by sales_refresh_ids) into project_search,
-- writing only rows that change, and rewrites the words of those that did.
-- +goose StatementBegin
CREATE FUNCTION sales_search_refresh(t bigint, ids bigint[]) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  changed bigint[];
BEGIN
  WITH c AS (
    INSERT INTO project_search AS s (tenant_id, project_id, state, created_at, text)
    SELECT p.tenant_id, p.id, p.state, p.created_at, p.search_text
      FROM (SELECT DISTINCT unnest(ids) AS id) sel
      JOIN projects p ON p.tenant_id = t AND p.id = sel.id
    ON CONFLICT (tenant_id, project_id) DO UPDATE
       SET state = EXCLUDED.state, created_at = EXCLUDED.created_at, text = EXCLUDED.text
     WHERE (s.state, s.created_at, s.text) IS DISTINCT FROM (EXCLUDED.state, EXCLUDED.created_at, EXCLUDED.text)
    RETURNING s.project_id)
  SELECT array_agg(project_id) INTO changed FROM c;
  IF changed IS NULL THEN
    RETURN;
  END IF;
  DELETE FROM project_search_words w USING (SELECT unnest(changed) AS id) c
   WHERE w.tenant_id = t AND w.project_id = c.id;
  INSERT INTO project_search_words (tenant_id, state, word, project_id)
  SELECT t, s.state, x, s.project_id
    FROM (SELECT DISTINCT unnest(changed) AS id) c
    JOIN project_search s ON s.tenant_id = t AND s.project_id = c.id
    CROSS JOIN LATERAL sales_search_words(s.text) x;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sales_refresh(t bigint, ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL THEN
    SELECT array_agg(id) INTO ids FROM projects WHERE tenant_id = t AND state <> 'sold';
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM sales_refresh_ids(t, ids);
    PERFORM sales_search_refresh(t, ids);
  END IF;
END
$$;
-- +goose StatementEnd

-- sales_search_ids returns the IDs of tenant t's projects in state st whose
-- search text is LIKE pattern (q, lower-case, made a LIKE pattern), newest
-- first, at most cap of them. The candidates are the projects that have a
-- word starting with q's word, or, for several words, pairs of adjacent
-- words starting with each pair of q's (read from the words' key alone), so
-- a search matches from the start of a word ("nov" finds Novak, "ovak" does
-- not). A q without letters or digits tests the view's texts one by one.
-- +goose StatementBegin
CREATE FUNCTION sales_search_ids(t bigint, st text, q text, pattern text, cap integer) RETURNS bigint[]
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
DECLARE
  ws text[];
  hs text[];
  r bigint[];
BEGIN
  -- Each word and the bound above its prefixes, computed here: under
  -- row-level security an index condition may apply only leakproof
  -- functions to the other side's columns, and || is not one.
  -- A single word is looked up as a prefix of the words (the last word may be
  -- partly typed); several as prefixes of the pairs of adjacent words (all
  -- but the last are whole words).
  SELECT array_agg(x ORDER BY n) INTO ws FROM regexp_split_to_table(q, '[^[:alnum:]]+') WITH ORDINALITY AS t(x, n)
   WHERE x <> '';
  IF cardinality(ws) > 1 THEN
    SELECT array_agg(ws[i] || ' ' || ws[i + 1]) INTO ws FROM generate_series(1, cardinality(ws) - 1) i;
  END IF;
  SELECT array_agg(DISTINCT x), array_agg(DISTINCT x || U&'\+10FFFF') INTO ws, hs FROM unnest(ws) x;
  IF ws IS NULL THEN
    SELECT array_agg(project_id) INTO r FROM (
      SELECT project_id FROM project_search
       WHERE tenant_id = t AND state = st AND text LIKE pattern
       ORDER BY created_at DESC, project_id DESC LIMIT cap) y;
  ELSE
    WITH c AS MATERIALIZED (
      SELECT m.project_id FROM unnest(ws, hs) AS w(lo, hi)
       CROSS JOIN LATERAL (
         SELECT DISTINCT x.project_id FROM project_search_words x
          WHERE x.tenant_id = t AND x.state = st
            AND x.word >= w.lo COLLATE "C" AND x.word < w.hi COLLATE "C") m
       GROUP BY m.project_id
      HAVING count(*) = cardinality(ws))
    SELECT array_agg(project_id) INTO r FROM (
      SELECT s.project_id FROM c JOIN project_search s ON s.tenant_id = t AND s.project_id = c.project_id
       WHERE s.state = st AND s.text LIKE pattern
       ORDER BY s.created_at DESC, s.project_id DESC LIMIT cap) y;
  END IF;
  RETURN COALESCE(r, '{}');
END
$$;
-- +goose StatementEnd

-- Backfill, one tenant at a time (row-level security is forced for the
-- owner too), then build the keys and indexes on the full tables.
-- +goose StatementBegin
DO $$
DECLARE
  last bigint;
BEGIN
  SELECT last_value INTO last FROM tenants_id_seq;
  FOR t IN 1..COALESCE(last, 0) LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    INSERT INTO project_search (tenant_id, project_id, state, created_at, text)
    SELECT tenant_id, id, state, created_at, search_text FROM projects WHERE tenant_id = t;
    INSERT INTO project_search_words (tenant_id, state, word, project_id)
    SELECT s.tenant_id, s.state, x, s.project_id
      FROM project_search s CROSS JOIN LATERAL sales_search_words(s.text) x
     WHERE s.tenant_id = t;
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE project_search ADD PRIMARY KEY (tenant_id, project_id);
ALTER TABLE project_search_words ADD PRIMARY KEY (tenant_id, state, word, project_id);
CREATE INDEX project_search_words_project_idx ON project_search_words (tenant_id, project_id);
ALTER TABLE project_search ADD CONSTRAINT project_search_project_fk
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE project_search_words ADD CONSTRAINT project_search_words_project_fk
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE;
ANALYZE project_search, project_search_words;

-- The trigram index on projects is no longer read.
DROP INDEX projects_sales_search_idx;

-- +goose Down
CREATE INDEX projects_sales_search_idx ON projects USING gin (tenant_id, search_text gin_trgm_ops);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION sales_refresh(t bigint, ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF ids IS NULL THEN
    SELECT array_agg(id) INTO ids FROM projects WHERE tenant_id = t AND state <> 'sold';
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM sales_refresh_ids(t, ids);
  END IF;
END
$$;
-- +goose StatementEnd
DROP FUNCTION sales_search_ids(bigint, text, text, text, integer), sales_search_refresh(bigint, bigint[]),
  sales_search_words(text);
DROP TABLE project_search_words, project_search;
