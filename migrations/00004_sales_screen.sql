-- +goose Up
-- The Sales screen and the pipeline board at a million projects per tenant.
--
-- Projects carry a summary of what the screen shows and filters on: the
-- pending milestone and its due time, when the project becomes late, the last
-- completed milestone, the customer, owner and status names, and a search
-- text. Triggers keep the summary exact whenever milestone completions,
-- subtasks, scheduled events, projects, accounts, contacts, users, milestone
-- statuses, milestone definitions or the tenant's time zone change, in the
-- same transaction, so nothing else has to call anything.
--
-- Definitions are the pipeline engine's (internal/pipeline, doc.go):
--   * pending milestone: the first active milestone (by position, then id) not completed;
--   * due day: the local day of the anchor (creation, or the previous active
--     milestone's completion; moved forward to resumed_at, and for a deferred
--     project to the start of its defer-until day) plus deadline_days; no
--     deadline (0 or NULL) means never due;
--   * late from: the start of the local day after a due day; an open subtask
--     with a due date likewise; an open scheduled event once its start has
--     passed (late_from = starts_at + 1 µs, compared as late_from <= now).
--   Only an effectively active project is late: the query adds that condition.

-- Trigram search over title, customer and contact (trusted extensions: the
-- database owner may create them).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- projects.resumed_at (00002) is when the project last came back from
-- deferred to active (the engine's ResumedAt); the projects trigger below
-- also sets it when the state changes without the application saying so.

ALTER TABLE projects
  ADD COLUMN pending_milestone_id bigint,
  ADD COLUMN pending_due_at       timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN milestone_late_from  timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN late_from            timestamptz NOT NULL DEFAULT 'infinity',
  ADD COLUMN last_milestone_id    bigint,
  ADD COLUMN last_completed_at    timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN customer_name        text NOT NULL DEFAULT '',
  ADD COLUMN owner_name           text NOT NULL DEFAULT '',
  ADD COLUMN status_name          text NOT NULL DEFAULT '',
  ADD COLUMN search_text          text NOT NULL DEFAULT '';

-- sales_refresh recomputes the summary of the given projects of tenant t (all
-- projects but sold ones when ids is NULL). It writes only rows that change.
-- +goose StatementBegin
CREATE FUNCTION sales_refresh(t bigint, ids bigint[]) RETURNS void
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

-- sales_refresh_ids is sales_refresh for a list of IDs: it starts from the
-- IDs (primary-key lookups), so its cost follows the number of projects
-- changed, not the size of the table. Sequential scans are off for it: rows
-- bulk-loaded in the same transaction have no statistics yet, and a plan
-- that guesses "small table" and scans per project is quadratic.
-- +goose StatementBegin
CREATE FUNCTION sales_refresh_ids(t bigint, ids bigint[]) RETURNS void
LANGUAGE sql SET enable_seqscan = off AS $$
  WITH z AS (SELECT time_zone AS tz FROM tenants WHERE id = t),
  d AS (
    SELECT id, position, COALESCE(deadline_days, 0) AS deadline_days, deadline_from,
           lag(id) OVER (ORDER BY position, id) AS prev_id
      FROM milestone_defs WHERE tenant_id = t AND active
  ),
  s AS (
    SELECT p.id,
           pend.id AS pending_id,
           CASE WHEN pend.deadline_days > 0 THEN
             (greatest(
                CASE WHEN pend.deadline_from = 'created' OR pend.prev_id IS NULL THEN p.created_at
                     ELSE date_trunc('second', prev.completed_at) END,
                COALESCE(p.resumed_at, '-infinity'),
                CASE WHEN p.state = 'deferred' AND p.defer_until IS NOT NULL
                     THEN p.defer_until::timestamp AT TIME ZONE z.tz ELSE '-infinity' END
              ) AT TIME ZONE z.tz)::date + pend.deadline_days
           END AS due_day,
           last.milestone_id AS last_id, last.completed_at AS last_at,
           LEAST(
             (SELECT (min(st.due_date) + 1)::timestamp AT TIME ZONE z.tz FROM subtasks st
               WHERE st.tenant_id = t AND st.project_id = p.id AND NOT st.done AND st.due_date IS NOT NULL),
             (SELECT min(ev.starts_at) + interval '1 microsecond' FROM scheduled_events ev
               WHERE ev.tenant_id = t AND ev.project_id = p.id AND NOT ev.done)
           ) AS items_late_from,
           COALESCE(a.name, '') AS customer, COALESCE(u.name, '') AS owner, COALESCE(ms.name, '') AS status,
           lower(concat_ws(' ', p.title, a.name, c.name, c.email)) AS search,
           z.tz
      FROM (SELECT DISTINCT unnest(ids) AS id) sel
      -- a join, not "id = ANY (ids)": a statement may touch a million projects
      JOIN projects p ON p.tenant_id = t AND p.id = sel.id
      CROSS JOIN z
      LEFT JOIN LATERAL (
        SELECT d.id, d.deadline_days, d.deadline_from, d.prev_id FROM d
         WHERE NOT EXISTS (SELECT 1 FROM milestone_completions mc
                            WHERE mc.tenant_id = t AND mc.project_id = p.id AND mc.milestone_id = d.id)
         ORDER BY d.position, d.id LIMIT 1) pend ON true
      LEFT JOIN milestone_completions prev
             ON prev.tenant_id = t AND prev.project_id = p.id AND prev.milestone_id = pend.prev_id
      LEFT JOIN LATERAL (
        SELECT mc.milestone_id, mc.completed_at FROM milestone_completions mc JOIN d ON d.id = mc.milestone_id
         WHERE mc.tenant_id = t AND mc.project_id = p.id
         ORDER BY d.position DESC, d.id DESC LIMIT 1) last ON true
      LEFT JOIN accounts a ON a.tenant_id = t AND a.id = p.account_id
      LEFT JOIN contacts c ON c.tenant_id = t AND c.id = p.contact_id
      LEFT JOIN users u ON u.tenant_id = t AND u.id = p.owner_id
      LEFT JOIN milestone_statuses ms ON ms.tenant_id = t AND ms.id = p.status_id
  ),
  v AS (
    SELECT s.id, s.pending_id, s.last_id, s.customer, s.owner, s.status, s.search,
           COALESCE(s.last_at, '-infinity') AS last_at,
           COALESCE(s.due_day::timestamp AT TIME ZONE s.tz, 'infinity') AS due_at,
           COALESCE((s.due_day + 1)::timestamp AT TIME ZONE s.tz, 'infinity') AS m_late,
           LEAST(COALESCE((s.due_day + 1)::timestamp AT TIME ZONE s.tz, 'infinity'),
                 COALESCE(s.items_late_from, 'infinity')) AS late
      FROM s
  )
  UPDATE projects p
     SET pending_milestone_id = v.pending_id, pending_due_at = v.due_at,
         milestone_late_from = v.m_late, late_from = v.late,
         last_milestone_id = v.last_id, last_completed_at = v.last_at,
         customer_name = v.customer, owner_name = v.owner, status_name = v.status, search_text = v.search
    FROM v
   WHERE p.tenant_id = t AND p.id = v.id
     AND (p.pending_milestone_id, p.pending_due_at, p.milestone_late_from, p.late_from, p.last_milestone_id,
          p.last_completed_at, p.customer_name, p.owner_name, p.status_name, p.search_text)
         IS DISTINCT FROM
         (v.pending_id, v.due_at, v.m_late, v.late, v.last_id, v.last_at, v.customer, v.owner, v.status, v.search)
$$;
-- +goose StatementEnd

-- Child rows (completions, subtasks, events): refresh the projects they belong to.
-- +goose StatementBegin
CREATE FUNCTION sales_child_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR r IN SELECT tenant_id, array_agg(DISTINCT project_id) AS ids FROM new_rows GROUP BY tenant_id LOOP
      PERFORM sales_refresh(r.tenant_id, r.ids);
    END LOOP;
  ELSIF TG_OP = 'UPDATE' THEN
    FOR r IN SELECT tenant_id, array_agg(DISTINCT project_id) AS ids
               FROM (SELECT tenant_id, project_id FROM new_rows UNION ALL SELECT tenant_id, project_id FROM old_rows) x
              GROUP BY tenant_id LOOP
      PERFORM sales_refresh(r.tenant_id, r.ids);
    END LOOP;
  ELSE
    FOR r IN SELECT tenant_id, array_agg(DISTINCT project_id) AS ids FROM old_rows GROUP BY tenant_id LOOP
      PERFORM sales_refresh(r.tenant_id, r.ids);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['milestone_completions', 'subtasks', 'scheduled_events'] LOOP
    EXECUTE format('CREATE TRIGGER sales_summary_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sales_child_changed()', t);
    EXECUTE format('CREATE TRIGGER sales_summary_upd AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sales_child_changed()', t);
    EXECUTE format('CREATE TRIGGER sales_summary_del AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION sales_child_changed()', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- Projects: a project coming back from deferred records when (resumed_at)...
-- +goose StatementBegin
CREATE FUNCTION sales_project_resumed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state = 'deferred' AND NEW.state = 'active' AND NEW.resumed_at IS NOT DISTINCT FROM OLD.resumed_at THEN
    NEW.resumed_at := greatest(now(), COALESCE(OLD.resumed_at, '-infinity'));
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sales_resumed BEFORE UPDATE OF state ON projects
  FOR EACH ROW EXECUTE FUNCTION sales_project_resumed();

-- ...and new projects, or changes of what the summary reads, refresh it. The
-- refresh's own UPDATE (trigger depth > 1) does not recurse.
-- +goose StatementBegin
CREATE FUNCTION sales_project_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    FOR r IN SELECT tenant_id, array_agg(id) AS ids FROM new_rows GROUP BY tenant_id LOOP
      PERFORM sales_refresh(r.tenant_id, r.ids);
    END LOOP;
  ELSE
    -- Changed rows are those whose old and new versions differ in what the
    -- summary reads: after UNION they appear twice. (Grouping, not a join of
    -- the transition tables, which have no index: a join is quadratic.)
    FOR r IN SELECT c.tenant_id, array_agg(c.id) AS ids FROM (
               SELECT u.tenant_id, u.id FROM (
                 SELECT tenant_id, id, state, defer_until, resumed_at, created_at, title, account_id, contact_id, owner_id, status_id FROM old_rows
                 UNION
                 SELECT tenant_id, id, state, defer_until, resumed_at, created_at, title, account_id, contact_id, owner_id, status_id FROM new_rows) u
                GROUP BY u.tenant_id, u.id HAVING count(*) > 1) c
              GROUP BY c.tenant_id LOOP
      PERFORM sales_refresh(r.tenant_id, r.ids);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sales_summary_ins AFTER INSERT ON projects REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_project_changed();
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_project_changed();

-- Names shown on the screen and searched: accounts, contacts, users, statuses.
-- +goose StatementBegin
CREATE FUNCTION sales_name_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  col text := TG_ARGV[0]; -- the projects column that references the renamed row
BEGIN
  FOR r IN EXECUTE format(
      'SELECT c.tenant_id, array_agg(p.id) AS ids FROM (
         SELECT u.tenant_id, u.id FROM (
           SELECT tenant_id, id, name, %2$s AS email FROM old_rows
           UNION
           SELECT tenant_id, id, name, %2$s FROM new_rows) u
          GROUP BY u.tenant_id, u.id HAVING count(*) > 1) c
         JOIN projects p ON p.tenant_id = c.tenant_id AND p.%1$I = c.id
        GROUP BY c.tenant_id',
      col,
      CASE WHEN TG_TABLE_NAME = 'contacts' THEN 'email' ELSE 'NULL::text' END) LOOP
    PERFORM sales_refresh(r.tenant_id, r.ids);
  END LOOP;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON accounts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_name_changed('account_id');
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON contacts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_name_changed('contact_id');
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_name_changed('owner_id');
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON milestone_statuses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_name_changed('status_id');

-- Milestone definitions or the tenant's time zone change: recompute every
-- project of the tenant (but sold ones) in the same transaction.
-- +goose StatementBegin
CREATE FUNCTION sales_tenant_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  t bigint;
BEGIN
  IF TG_TABLE_NAME = 'tenants' THEN
    FOR t IN SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.time_zone <> o.time_zone LOOP
      PERFORM sales_refresh(t, NULL);
    END LOOP;
  ELSIF TG_OP = 'INSERT' THEN
    FOR t IN SELECT DISTINCT tenant_id FROM new_rows LOOP
      PERFORM sales_refresh(t, NULL);
    END LOOP;
  ELSIF TG_OP = 'UPDATE' THEN
    FOR t IN SELECT DISTINCT n.tenant_id FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
              WHERE (n.position, n.deadline_days, n.deadline_from, n.active)
                    IS DISTINCT FROM (o.position, o.deadline_days, o.deadline_from, o.active) LOOP
      PERFORM sales_refresh(t, NULL);
    END LOOP;
  ELSE
    FOR t IN SELECT DISTINCT tenant_id FROM old_rows LOOP
      PERFORM sales_refresh(t, NULL);
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sales_summary_ins AFTER INSERT ON milestone_defs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_tenant_changed();
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON milestone_defs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_tenant_changed();
CREATE TRIGGER sales_summary_del AFTER DELETE ON milestone_defs REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_tenant_changed();
CREATE TRIGGER sales_summary_upd AFTER UPDATE ON tenants REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sales_tenant_changed();

-- Backfill existing tenants (row-level security is forced for the owner too,
-- so each tenant is bound in turn).
-- +goose StatementBegin
DO $$
DECLARE
  last bigint;
BEGIN
  SELECT last_value INTO last FROM tenants_id_seq;
  FOR t IN 1..COALESCE(last, 0) LOOP
    PERFORM set_config('app.tenant_id', t::text, true);
    PERFORM sales_refresh(t, NULL);
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
END
$$;
-- +goose StatementEnd

-- One index per sort column (scanned either way), keyed (tenant_id, state, key, id)
-- for keyset pages; created_at is projects_state_created_idx from 00001.
CREATE INDEX projects_sales_title_idx    ON projects (tenant_id, state, title, id);
CREATE INDEX projects_sales_customer_idx ON projects (tenant_id, state, customer_name, id);
CREATE INDEX projects_sales_owner_idx    ON projects (tenant_id, state, owner_name, id);
CREATE INDEX projects_sales_last_idx     ON projects (tenant_id, state, last_completed_at, id);
CREATE INDEX projects_sales_pending_idx  ON projects (tenant_id, state, pending_due_at, id);
CREATE INDEX projects_sales_status_idx   ON projects (tenant_id, state, status_name, id);
CREATE INDEX projects_sales_value_idx    ON projects (tenant_id, state, value_cents, id);
-- A salesperson's own list and the owner filter.
CREATE INDEX projects_sales_owner_created_idx ON projects (tenant_id, owner_id, state, created_at DESC, id DESC);
-- The board's columns (sums by an index-only scan) and the pending milestone filter.
CREATE INDEX projects_sales_pending_ms_idx ON projects (tenant_id, state, pending_milestone_id, created_at DESC, id DESC)
  INCLUDE (value_cents, last_milestone_id, probability_override, owner_id);
-- Free text: trigram GIN, led by tenant_id (btree_gin).
CREATE INDEX projects_sales_search_idx ON projects USING gin (tenant_id, search_text gin_trgm_ops);

-- +goose Down
DROP TRIGGER sales_summary_ins ON milestone_defs;
DROP TRIGGER sales_summary_upd ON milestone_defs;
DROP TRIGGER sales_summary_del ON milestone_defs;
DROP TRIGGER sales_summary_upd ON tenants;
DROP TRIGGER sales_summary_upd ON accounts;
DROP TRIGGER sales_summary_upd ON contacts;
DROP TRIGGER sales_summary_upd ON users;
DROP TRIGGER sales_summary_upd ON milestone_statuses;
DROP TRIGGER sales_summary_ins ON projects;
DROP TRIGGER sales_summary_upd ON projects;
DROP TRIGGER sales_resumed ON projects;
DROP TRIGGER sales_summary_ins ON milestone_completions;
DROP TRIGGER sales_summary_upd ON milestone_completions;
DROP TRIGGER sales_summary_del ON milestone_completions;
DROP TRIGGER sales_summary_ins ON subtasks;
DROP TRIGGER sales_summary_upd ON subtasks;
DROP TRIGGER sales_summary_del ON subtasks;
DROP TRIGGER sales_summary_ins ON scheduled_events;
DROP TRIGGER sales_summary_upd ON scheduled_events;
DROP TRIGGER sales_summary_del ON scheduled_events;
DROP FUNCTION sales_tenant_changed(), sales_name_changed(), sales_project_changed(),
  sales_project_resumed(), sales_child_changed(), sales_refresh(bigint, bigint[]), sales_refresh_ids(bigint, bigint[]);
DROP INDEX projects_sales_title_idx, projects_sales_customer_idx, projects_sales_owner_idx,
  projects_sales_last_idx, projects_sales_pending_idx, projects_sales_status_idx, projects_sales_value_idx,
  projects_sales_owner_created_idx, projects_sales_pending_ms_idx, projects_sales_search_idx;
ALTER TABLE projects
  DROP COLUMN pending_milestone_id, DROP COLUMN pending_due_at, DROP COLUMN milestone_late_from,
  DROP COLUMN late_from, DROP COLUMN last_milestone_id, DROP COLUMN last_completed_at,
  DROP COLUMN customer_name, DROP COLUMN owner_name, DROP COLUMN status_name, DROP COLUMN search_text;
