#!/usr/bin/env bash
# Runs a command with throw-away PostgreSQL 15 and MariaDB 10.11 servers on
# loopback (free ports, data under a temporary directory), exporting
#   TUNELY_TEST_POSTGRESQL_URL=postgresql://tunely:tunely@127.0.0.1:PORT/tunely_test
#   TUNELY_TEST_MYSQL_URL=mysql://tunely:tunely@127.0.0.1:PORT/tunely_test
# (the store conformance suite: it drops and recreates tables) and
# TUNELY_E2E_POSTGRESQL_URL / TUNELY_E2E_MYSQL_URL (database tunely_e2e, for
# end-to-end tests that run beside it)
# and stops both servers (by PID) afterwards, whatever the command's outcome.
# Usage: scripts/with-test-databases.sh COMMAND [ARGS...]
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d /tmp/tunely-db.XXXXXX)
chmod 755 "$WORK"
PG_PID="" MARIA_PID=""

stop_all() {
  if [ -n "$PG_PID" ]; then su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$WORK/pg' -m immediate -w stop" >/dev/null 2>&1 || kill "$PG_PID" 2>/dev/null || true; fi
  if [ -n "$MARIA_PID" ]; then kill "$MARIA_PID" 2>/dev/null || true; wait "$MARIA_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop_all EXIT

# shellcheck source=free_port.sh
. "$(dirname "$0")/free_port.sh"

# --- PostgreSQL: initdb and the server must run as the postgres user.
PG_PORT=$(free_port)
mkdir -p "$WORK/pg" && chown postgres:postgres "$WORK/pg"
su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$WORK/pg' -A trust -U postgres" >"$WORK/pg-init.log" 2>&1 \
  || { cat "$WORK/pg-init.log"; exit 1; }
su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$WORK/pg' -l '$WORK/pg/server.log' -o \"-p $PG_PORT -k '$WORK/pg' -c listen_addresses=127.0.0.1 -c fsync=off\" -w start" >/dev/null \
  || { cat "$WORK/pg/server.log"; exit 1; }
PG_PID=$(head -n 1 "$WORK/pg/postmaster.pid")
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -c "CREATE USER tunely PASSWORD 'tunely'" \
  -c "CREATE DATABASE tunely_test OWNER tunely" -c "CREATE DATABASE tunely_e2e OWNER tunely" >/dev/null

# --- MariaDB
MARIA_PORT=$(free_port)
mkdir -p "$WORK/maria" && chown mysql:mysql "$WORK/maria"
mariadb-install-db --user=mysql --datadir="$WORK/maria" --auth-root-authentication-method=socket --skip-test-db \
  >"$WORK/maria-init.log" 2>&1 || { cat "$WORK/maria-init.log"; exit 1; }
mariadbd --no-defaults --user=mysql --datadir="$WORK/maria" --socket="$WORK/maria/sock" --port="$MARIA_PORT" \
  --bind-address=127.0.0.1 --skip-log-bin --innodb-flush-log-at-trx-commit=0 --pid-file="$WORK/maria/pid" \
  >"$WORK/maria.log" 2>&1 &
MARIA_PID=$!
for _ in $(seq 100); do mariadb-admin --socket="$WORK/maria/sock" ping >/dev/null 2>&1 && break; sleep 0.2; done
mariadb --socket="$WORK/maria/sock" -e "CREATE DATABASE tunely_test CHARACTER SET utf8mb4; CREATE DATABASE tunely_e2e CHARACTER SET utf8mb4; CREATE USER 'tunely'@'127.0.0.1' IDENTIFIED BY 'tunely'; GRANT ALL ON tunely_test.* TO 'tunely'@'127.0.0.1'; GRANT ALL ON tunely_e2e.* TO 'tunely'@'127.0.0.1';" \
  || { cat "$WORK/maria.log"; exit 1; }

export TUNELY_TEST_POSTGRESQL_URL="postgresql://tunely:tunely@127.0.0.1:$PG_PORT/tunely_test"
export TUNELY_TEST_MYSQL_URL="mysql://tunely:tunely@127.0.0.1:$MARIA_PORT/tunely_test"
export TUNELY_E2E_POSTGRESQL_URL="postgresql://tunely:tunely@127.0.0.1:$PG_PORT/tunely_e2e"
export TUNELY_E2E_MYSQL_URL="mysql://tunely:tunely@127.0.0.1:$MARIA_PORT/tunely_e2e"
echo "test databases: PostgreSQL on $PG_PORT, MariaDB on $MARIA_PORT"
"$@"
