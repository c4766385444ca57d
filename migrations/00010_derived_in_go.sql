-- +goose Up
-- Derived data is computed by the application, with the engine's
-- definitions (internal/pipeline), and written in the transaction of each
-- change (internal/postgres/derived.go): each project's summary for the
-- Sales screen and the board, its search words and the running totals. The
-- PL/pgSQL of 00004, 00005, 00007 and 00008 that restated those definitions
-- is dropped with its triggers; what is left in SQL is data, indexes and
-- constraints.
--
-- Time-dependent facts are stored as instants and compared with the
-- request's moment in SQL, so nothing has to run for a project to become
-- late or to come back from deferred:
--   * active_from: from when the project counts as active: -infinity for an
--     active project, the first instant of its defer-until day for a
--     deferred one, infinity for archived and sold projects;
--   * pending_due_at / deferred_due_at: the pending milestone's due day (its
--     first instant) once active, and while still deferred (infinity: none);
--   * milestone_late_from / late_from: the first instant the pending
--     milestone, or anything of the project, is late (infinity: never).
-- phase groups the states as the screen's lists do: open (active and
-- deferred), archived, sold; the application writes it with the rest.
--
-- Existing rows keep their old summary until the application recomputes
-- it: tenants.derived_version below the application's makes `pipewell
-- migrate` recompute the tenant (and `pipewell refresh` does it by hand).

-- +goose StatementBegin
DO $$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'sales_child_changed()', 'sales_project_resumed()', 'sales_project_changed()', 'sales_name_changed()',
    'sales_tenant_changed()', 'project_totals_changed()', 'project_totals_probability_changed()',
    'project_totals_rebuild(bigint)', 'project_totals_add(project_totals[])',
    'sales_search_ids(bigint, text, text, text, integer)', 'sales_refresh(bigint, bigint[])',
    'sales_search_refresh(bigint, bigint[])', 'sales_refresh_ids(bigint, bigint[])', 'sales_search_words(text)'
  ] LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || f || ' CASCADE';
  END LOOP;
END
$$;
-- +goose StatementEnd

ALTER TABLE tenants
  ADD COLUMN derived_version integer NOT NULL DEFAULT 0,
  ADD COLUMN learned_at timestamptz;

-- The counts behind a learned probability (see pipeline.Learner), as of
-- tenants.learned_at.
ALTER TABLE milestone_defs
  ADD COLUMN learned_reached integer NOT NULL DEFAULT 0 CHECK (learned_reached >= 0),
  ADD COLUMN learned_sold integer NOT NULL DEFAULT 0 CHECK (learned_sold BETWEEN 0 AND learned_reached);

DROP INDEX projects_state_created_idx, projects_sales_title_idx, projects_sales_customer_idx, projects_sales_owner_idx,
  projects_sales_last_idx, projects_sales_pending_idx, projects_sales_status_idx, projects_sales_value_idx,
  projects_sales_owner_created_idx, projects_sales_pending_ms_idx, projects_sales_status_created_idx,
  projects_sales_source_created_idx, projects_sales_last_created_idx, projects_sales_late_owner_idx;

ALTER TABLE projects
  ADD COLUMN phase text NOT NULL DEFAULT 'open' CHECK (phase IN ('open', 'archived', 'sold')),
  ADD COLUMN active_from timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN deferred_due_at timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN weighted_cents bigint NOT NULL DEFAULT 0 CHECK (weighted_cents BETWEEN 0 AND value_cents);

SET LOCAL maintenance_work_mem = '256MB';

-- Every list of the Sales screen reads one index range per phase, in the
-- order of its sort, with active_from as the last key: the active and
-- deferred views test it inside the index, without reading the rows.
CREATE INDEX projects_phase_created_idx  ON projects (tenant_id, phase, created_at DESC, id DESC, active_from);
CREATE INDEX projects_phase_title_idx    ON projects (tenant_id, phase, title, id, active_from);
CREATE INDEX projects_phase_customer_idx ON projects (tenant_id, phase, customer_name, id, active_from);
CREATE INDEX projects_phase_owner_idx    ON projects (tenant_id, phase, owner_name, id, active_from);
CREATE INDEX projects_phase_last_idx     ON projects (tenant_id, phase, last_completed_at, id, active_from);
CREATE INDEX projects_phase_pending_idx  ON projects (tenant_id, phase, pending_due_at, id, active_from);
CREATE INDEX projects_phase_status_idx   ON projects (tenant_id, phase, status_name, id, active_from);
CREATE INDEX projects_phase_value_idx    ON projects (tenant_id, phase, value_cents, id, active_from);
-- The deferred view: few rows, by creation and by due date.
CREATE INDEX projects_deferred_created_idx ON projects (tenant_id, created_at DESC, id DESC, active_from) WHERE state = 'deferred';
CREATE INDEX projects_deferred_due_idx     ON projects (tenant_id, deferred_due_at, id, active_from) WHERE state = 'deferred';
-- A salesperson's own list and the owner filter.
CREATE INDEX projects_owner_phase_created_idx ON projects (tenant_id, owner_id, phase, created_at DESC, id DESC, active_from);
-- Single-column filters with the default sort; the board's columns.
CREATE INDEX projects_phase_status_created_idx ON projects (tenant_id, phase, status_id, created_at DESC, id DESC, active_from);
CREATE INDEX projects_phase_source_created_idx ON projects (tenant_id, phase, source_id, created_at DESC, id DESC, active_from);
CREATE INDEX projects_phase_last_created_idx   ON projects (tenant_id, phase, last_milestone_id, created_at DESC, id DESC, active_from);
CREATE INDEX projects_phase_pending_ms_idx     ON projects (tenant_id, phase, pending_milestone_id, created_at DESC, id DESC, active_from)
  INCLUDE (value_cents, weighted_cents, owner_id);
-- Late only and the rep load's late counts, from the index alone.
CREATE INDEX projects_phase_late_idx ON projects (tenant_id, phase, late_from) INCLUDE (active_from, owner_id);

-- The search tables, keyed by phase.
DROP TABLE project_search_words, project_search;
CREATE TABLE project_search (
  tenant_id   bigint NOT NULL,
  project_id  bigint NOT NULL,
  phase       text NOT NULL,
  active_from timestamptz NOT NULL,
  created_at  timestamptz NOT NULL,
  text        text NOT NULL,
  PRIMARY KEY (tenant_id, project_id)
);
CREATE TABLE project_search_words (
  tenant_id  bigint NOT NULL,
  phase      text NOT NULL,
  word       text COLLATE "C" NOT NULL,
  project_id bigint NOT NULL,
  PRIMARY KEY (tenant_id, phase, word, project_id)
);
CREATE INDEX project_search_words_project_idx ON project_search_words (tenant_id, project_id);
ALTER TABLE project_search ADD CONSTRAINT project_search_project_fk
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE;
ALTER TABLE project_search_words ADD CONSTRAINT project_search_words_project_fk
  FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE;

-- The running totals: projects, value and weighted value by state, owner,
-- pending milestone and active_from (which splits a deferred owner's
-- projects by the day they come back).
DROP TABLE project_totals;
CREATE TABLE project_totals (
  tenant_id            bigint NOT NULL,
  state                text NOT NULL,
  owner_id             bigint NOT NULL,
  pending_milestone_id bigint NOT NULL, -- 0: nothing pending
  active_from          timestamptz NOT NULL,
  projects             bigint NOT NULL,
  value_cents          numeric NOT NULL,
  weighted_cents       numeric NOT NULL,
  PRIMARY KEY (tenant_id, state, owner_id, pending_milestone_id, active_from)
);
ALTER TABLE project_totals ADD CONSTRAINT project_totals_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE;

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['project_search', 'project_search_words', 'project_totals'] LOOP
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

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
  RAISE EXCEPTION 'migration 00010 cannot be undone: the summary functions it dropped are not restored; restore a backup instead';
END
$$;
-- +goose StatementEnd
