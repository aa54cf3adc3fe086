#!/bin/sh
# The stand-in for the official postgres image's entrypoint (tests/test_container.py): on an empty data
# directory, initdb and create POSTGRES_USER (password POSTGRES_PASSWORD) and POSTGRES_DB; then run the
# server as PID 1, listening on every address.
set -eu
BIN=/usr/lib/postgresql/15/bin
PGDATA=${PGDATA:-/var/lib/postgresql/data}
USER_NAME=${POSTGRES_USER:-postgres}
DB_NAME=${POSTGRES_DB:-$USER_NAME}
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    as_postgres "$BIN/initdb" -D "$PGDATA" --username=postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
    password=$(printf '%s' "${POSTGRES_PASSWORD:-}" | sed "s/'/''/g")
    if [ "$USER_NAME" != postgres ]; then
        as_postgres "$BIN/psql" -v ON_ERROR_STOP=1 -qc "CREATE ROLE \"$USER_NAME\" LOGIN SUPERUSER PASSWORD '$password'"
    else
        as_postgres "$BIN/psql" -v ON_ERROR_STOP=1 -qc "ALTER ROLE postgres PASSWORD '$password'"
    fi
    if [ "$DB_NAME" != postgres ]; then
        as_postgres "$BIN/psql" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$DB_NAME\" OWNER \"$USER_NAME\""
    fi
    as_postgres "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*'
