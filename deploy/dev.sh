#!/usr/bin/env bash
# make run: a working Pipewell with a demo tenant on this machine, in one command.
#
#  1. DATABASE_URL set?  Use it (and PIPEWELL_MIGRATE_URL for migrations, if set).
#  2. Else a local PostgreSQL answering on 127.0.0.1:5432 or its socket: create the
#     pipewell database, the owner role (pipewell_owner) and the app role (pipewell).
#  3. Else, if PostgreSQL's initdb is installed: a private cluster under ./.data/.
#  4. Else: say what to install.
# Then migrate, seed the demo tenant once, and serve.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'make run: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "Go is not installed: install Go 1.26 or later (https://go.dev/dl)."
say "Building pipewell"
go build -o bin/pipewell ./cmd/pipewell

setup_sql() {
  cat <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_owner') THEN CREATE ROLE pipewell_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell_app') THEN CREATE ROLE pipewell_app NOLOGIN NOBYPASSRLS; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipewell') THEN
    CREATE ROLE pipewell LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app;
  END IF;
END $$;
SQL
}

# try_local HOSTARGS...: set up roles and database through a superuser connection.
try_local() {
  local psql=(psql -X -q -v ON_ERROR_STOP=1 "$@")
  "${psql[@]}" -d postgres -c 'SELECT 1' >/dev/null 2>&1 || return 1
  [ "$("${psql[@]}" -d postgres -tAc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = t ] || return 1
  setup_sql | "${psql[@]}" -d postgres
  if [ "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'pipewell'")" != 1 ]; then
    say "Creating database pipewell"
    "${psql[@]}" -d postgres -c 'CREATE DATABASE pipewell OWNER pipewell_owner'
  fi
  return 0
}

if [ -n "${DATABASE_URL:-}" ]; then
  say "Using DATABASE_URL"
  export PIPEWELL_MIGRATE_URL="${PIPEWELL_MIGRATE_URL:-$DATABASE_URL}"
else
  found=""
  if command -v psql >/dev/null; then
    for args in "-h 127.0.0.1 -p 5432 -U postgres" "-h 127.0.0.1 -p 5432" "-U postgres" ""; do
      # shellcheck disable=SC2086
      if try_local $args; then found="127.0.0.1:5432"; break; fi
    done
  fi
  if [ -z "$found" ]; then
    initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$initdb" ] && [ -x "$initdb" ]; then
      bindir=$(dirname "$initdb")
      mkdir -p .data
      data="$PWD/.data/pg"
      run_pg() { sh -c "$1"; }
      if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: the cluster runs as the postgres
        # user, in a directory it can reach, linked from .data/pg.
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user for a private cluster"
        if [ ! -L "$data" ]; then
          real="/var/tmp/pipewell-pg-$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)"
          mkdir -p "$real" && chown postgres "$real" && chmod 700 "$real"
          ln -sfn "$real" "$data"
        fi
        data=$(readlink -f "$data")
        run_pg() { su postgres -s /bin/sh -c "cd / && $1"; }
      fi
      if [ ! -f "$data/PG_VERSION" ]; then
        say "Starting a private PostgreSQL cluster in .data/pg"
        run_pg "'$bindir/initdb' -D '$data' -U postgres -A trust >/dev/null"
      fi
      if ! run_pg "'$bindir/pg_ctl' -D '$data' status" >/dev/null 2>&1; then
        run_pg "'$bindir/pg_ctl' -D '$data' -l '$data/server.log' -o '-p 5433 -k $data -c listen_addresses=127.0.0.1' -w start" >/dev/null
      fi
      try_local -h 127.0.0.1 -p 5433 -U postgres || die "the private cluster in .data/pg does not answer; see .data/pg/server.log"
      found="127.0.0.1:5433"
    fi
  fi
  if [ -z "$found" ]; then
    die "no PostgreSQL found. Either
  - install PostgreSQL 15+ (Debian/Ubuntu: apt-get install postgresql) and run make run again, or
  - start one with Docker on 127.0.0.1:55432:
    docker compose -f docker-compose.yml -f deploy/compose.db-port.yml up -d db, then
    DATABASE_URL=postgres://pipewell:pipewell@127.0.0.1:55432/pipewell?sslmode=disable \\
    PIPEWELL_MIGRATE_URL=postgres://pipewell_owner:pipewell_owner@127.0.0.1:55432/pipewell?sslmode=disable make run"
  fi
  export DATABASE_URL="postgres://pipewell@$found/pipewell?sslmode=disable"
  export PIPEWELL_MIGRATE_URL="postgres://pipewell_owner@$found/pipewell?sslmode=disable"
fi

say "Migrating"
bin/pipewell migrate
say "Seeding the demo tenant (once)"
bin/pipewell seed --demo
# This machine only by default: the demo logins share a published password.
# PIPEWELL_ADDR=:8080 (or host:port) serves elsewhere.
addr="${PIPEWELL_ADDR:-127.0.0.1:8080}"
host="${addr%:*}"
port="${addr##*:}"
case "$host" in
  "" | 0.0.0.0 | "[::]")
    say "Pipewell is starting on http://localhost:${port}/ and on every network interface of this machine:"
    say "anyone who can reach it can log in with the demo password (unset PIPEWELL_ADDR to serve this machine only)" ;;
  *)
    say "Pipewell is starting on http://${host}:${port}/  (log in with a demo login above, or sign up)" ;;
esac
unset PIPEWELL_MIGRATE_URL
export PIPEWELL_ADDR="$addr"
exec bin/pipewell serve
