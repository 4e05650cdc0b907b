#!/usr/bin/env bash
# Starts what the server test suites need, idempotently (safe to run when everything is up):
# pgvector built and installed (.ci/install-pgvector.sh), PostgreSQL on 127.0.0.1:5432 with trust
# auth for loopback, database `test` with the `vector` extension, and Redis on 127.0.0.1:6379.
# Progress goes to stderr; stdout prints the environment the tests read, so
#   eval "$(bash .ci/start-servers.sh)"
# exports it. The Redis Cluster and the private servers of the restart tests are started by the
# tests themselves (they need redis-server, redis-cli, initdb and pg_ctl, installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "start-servers: $*" >&2; }

export DEBIAN_FRONTEND=noninteractive
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
[ -d /etc/postgresql ] && [ -n "$(ls -A /etc/postgresql 2>/dev/null)" ] || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash .ci/install-pgvector.sh >&2

# PostgreSQL: trust on loopback (a throwaway CI machine; the tests connect without a password).
version=$(ls /etc/postgresql | sort -V | tail -n 1)
hba=/etc/postgresql/$version/main/pg_hba.conf
hba_changed=0
if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
  log "allowing trust auth on 127.0.0.1 in $hba"
  printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | cat - "$hba" >"$hba.new"
  chown --reference="$hba" "$hba.new"
  chmod --reference="$hba" "$hba.new"
  mv "$hba.new" "$hba"
  hba_changed=1
fi

pg_state=0
pg_isready -q -h 127.0.0.1 -p 5432 || pg_state=$?
if [ "$pg_state" -eq 2 ]; then
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
elif [ "$hba_changed" -eq 1 ]; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

for _ in $(seq 1 120); do
  if pg_isready -q -h 127.0.0.1 -p 5432 && redis_up; then
    break
  fi
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432 >&2 || { log "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; }
redis_up || { log "Redis does not answer on 127.0.0.1:6379"; exit 1; }

psql_() { psql -v ON_ERROR_STOP=1 -qtA -h 127.0.0.1 -U postgres "$@"; }
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'test'")" != "1" ]; then
  log "creating database test"
  psql_ -d postgres -c 'CREATE DATABASE test'
fi
psql_ -d test -c 'CREATE EXTENSION IF NOT EXISTS vector'
log "ready: Redis $(redis-cli -h 127.0.0.1 -p 6379 info server | awk -F: '/^redis_version/ {print $2}' | tr -d '\r'), PostgreSQL $version, pgvector $(psql_ -d test -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'")"

echo "export REDIS_URL=redis://127.0.0.1:6379"
echo "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
