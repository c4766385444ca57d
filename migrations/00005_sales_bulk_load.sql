-- +goose Up
-- Bulk loads (seeding, imports) skip the Sales screen's summary triggers and
-- recompute the summary once at the end with sales_refresh(tenant, NULL), the
-- same function the triggers call, over the whole tenant in one statement.
-- Refreshing after every COPY'd table instead recomputes each project once
-- per child table: most of the time of a million-project load.
--
-- A load says so with SET LOCAL app.bulk_load = 'on': transaction-local, so
-- it cannot leak to the next user of a pooled connection. Whoever sets it
-- must call sales_refresh for the tenant before the summary is read
-- (postgres.RefreshSalesSummary).
-- +goose StatementBegin
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname AS tbl, t.tgname, p.proname, pg_get_triggerdef(t.oid) AS def
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE NOT t.tgisinternal
       AND p.proname IN ('sales_child_changed', 'sales_project_changed', 'sales_name_changed', 'sales_tenant_changed')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', r.tgname, r.tbl);
    EXECUTE replace(r.def, ' FOR EACH STATEMENT EXECUTE',
      ' FOR EACH STATEMENT WHEN (current_setting(''app.bulk_load'', true) IS DISTINCT FROM ''on'') EXECUTE');
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname AS tbl, t.tgname, pg_get_triggerdef(t.oid) AS def
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE NOT t.tgisinternal
       AND p.proname IN ('sales_child_changed', 'sales_project_changed', 'sales_name_changed', 'sales_tenant_changed')
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', r.tgname, r.tbl);
    EXECUTE regexp_replace(r.def, ' WHEN \(.*\) EXECUTE', ' EXECUTE');
  END LOOP;
END
$$;
-- +goose StatementEnd
