-- +goose Up
-- Pipewell runs unchanged on plain PostgreSQL and on a Citus coordinator
-- (deploy/SCALE-OUT.md). On plain PostgreSQL this migration only adds
-- pipewell_distribute and drops one foreign key; on a database with the
-- citus extension it also distributes every table that exists by now:
--   * a tenant table (a tenant_id column and row-level security) is
--     distributed by tenant_id, co-located with users, so one tenant's rows
--     of every table live in one shard on one node;
--   * every other table (tenants, login_emails, sessions) is a reference
--     table, copied to every node; goose_db_version stays on the coordinator.
-- Citus refuses to distribute a table that references a plain one, and a
-- reference table may not reference a distributed one, so the foreign keys
-- are dropped first and added back once every table is distributed.
-- login_emails -> users is dropped for good on both (users are never
-- deleted; code that deletes a user deletes its login e-mail row in the same
-- transaction).
--
-- Sequential mode: Citus refuses DDL on a table that references a reference
-- table after a parallel operation in the same transaction.
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
  END IF;
END
$$;
-- +goose StatementEnd

-- pipewell_distribute(t): a migration that creates a table calls it right
-- after CREATE TABLE, before the table's foreign keys. On Citus it makes t
-- a distributed table co-located with users (when it has a tenant_id column
-- and row-level security) or a reference table; on plain PostgreSQL it does
-- nothing.
-- +goose StatementBegin
CREATE FUNCTION pipewell_distribute(t regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = t) THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = t AND attname = 'tenant_id' AND NOT attisdropped)
     AND (SELECT relrowsecurity FROM pg_class WHERE oid = t) THEN
    IF t = 'users'::regclass THEN
      PERFORM create_distributed_table(t, 'tenant_id', colocate_with => 'none');
    ELSE
      PERFORM create_distributed_table(t, 'tenant_id', colocate_with => 'users');
    END IF;
  ELSE
    PERFORM create_reference_table(t);
  END IF;
END
$$;
-- +goose StatementEnd

ALTER TABLE login_emails DROP CONSTRAINT login_emails_user_fk;

-- +goose StatementBegin
DO $$
DECLARE
  r record;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
    RETURN;
  END IF;
  CREATE TEMP TABLE citus_fks ON COMMIT DROP AS
    SELECT c.conrelid::regclass AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace;
  FOR r IN SELECT * FROM citus_fks LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
  END LOOP;
  -- Reference tables first, then users, then every other tenant table.
  FOR r IN
    SELECT c.oid::regclass AS tbl
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND c.relname <> 'goose_db_version'
       AND NOT EXISTS (SELECT FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
     ORDER BY (EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
               AND c.relrowsecurity), c.relname <> 'users', c.relname
  LOOP
    PERFORM pipewell_distribute(r.tbl);
  END LOOP;
  FOR r IN SELECT * FROM citus_fks LOOP
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.conname, r.def);
  END LOOP;
  -- The workers' copies of the ID sequences (an INSERT run on a worker
  -- takes its IDs there) need the app role's grant too.
  GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO pipewell_app;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION pipewell_distribute(regclass);
ALTER TABLE login_emails ADD CONSTRAINT login_emails_user_fk
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE;
