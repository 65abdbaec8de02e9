#!/usr/bin/env bash
# Starts throwaway PostgreSQL, Redis and S3 servers on 127.0.0.1 for the tests, installing what is
# missing from Debian's packages. They keep data like the compose stack does: Redis with AOF
# (appendonly yes, appendfsync everysec: a restart loses at most ~1 s of writes, never the queued
# jobs) and an S3 server whose objects survive a restart: moto through tools/s3-server.py (state
# written to $SVC_DIR/s3 within 0.5 s of a write and at SIGTERM), or s3rver (files under
# $SVC_DIR/s3; S3_IMPL=s3rver, also the fallback without moto; it lacks versioning and lifecycle,
# which tools/ops tests need).
#
#   source tools/services.sh        # exports DATABASE_URL, REDIS_URL, S3_ENDPOINT, AWS_*; defines services_stop
#
# Ports can be moved with PG_PORT / REDIS_PORT / S3_PORT. Already-set DATABASE_URL / REDIS_URL /
# S3_ENDPOINT are respected (nothing is started for those), so a developer can point the tests
# at services of their own.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PG_PORT=${PG_PORT:-55432}; REDIS_PORT=${REDIS_PORT:-56379}; S3_PORT=${S3_PORT:-54566}
_svc_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SVC_DIR=$(mktemp -d /tmp/coinhts-services.XXXXXX); chmod 755 "$SVC_DIR"; export SVC_DIR
_svc_log() { echo "[services] $*" >&2; }

_need=()
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then _need+=(redis-server redis-tools); fi
if [ -z "${DATABASE_URL:-}" ] && ! ls -d /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then _need+=(postgresql); fi
if [ ${#_need[@]} -gt 0 ]; then
  _svc_log "installing ${_need[*]} (Debian packages)"
  if [ "$(id -u)" != 0 ]; then _svc_log "need root to apt-get install ${_need[*]}; install them or set DATABASE_URL/REDIS_URL"; return 1 2>/dev/null || exit 1; fi
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends --no-upgrade "${_need[@]}" >/dev/null
fi

_SVC_STARTED_PG=0; _SVC_STARTED_REDIS=0; _SVC_S3_PID=
if [ -z "${DATABASE_URL:-}" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  install -d -o postgres -g postgres "$SVC_DIR/pg"
  su postgres -c "$PGBIN/initdb -D $SVC_DIR/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$SVC_DIR/initdb.log" 2>&1
  su postgres -c "$PGBIN/pg_ctl -D $SVC_DIR/pg/data -l $SVC_DIR/pg/pg.log -w -t 60 -o '-p $PG_PORT -k $SVC_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300' start" >/dev/null
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 'CREATE DATABASE coinhts_test' >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/coinhts_test"; _SVC_STARTED_PG=1; export PGBIN
fi
if [ -z "${REDIS_URL:-}" ]; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly yes --appendfsync everysec --dir "$SVC_DIR" \
    --pidfile "$SVC_DIR/redis.pid" --logfile "$SVC_DIR/redis.log"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"; _SVC_STARTED_REDIS=1
fi
if [ -z "${S3_ENDPOINT:-}" ]; then
  if [ "${S3_IMPL:-moto}" != s3rver ] && python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null; then
    S3_IMPL=moto; nohup python3 "$_svc_root/tools/s3-server.py" --host 127.0.0.1 --port "$S3_PORT" --dir "$SVC_DIR/s3" >"$SVC_DIR/s3.log" 2>&1 &
  else
    S3_IMPL=s3rver; mkdir -p "$SVC_DIR/s3"
    nohup node "$_svc_root/node_modules/s3rver/bin/s3rver.js" -d "$SVC_DIR/s3" -a 127.0.0.1 -p "$S3_PORT" --no-vhost-buckets -s >"$SVC_DIR/s3.log" 2>&1 &
  fi
  _SVC_S3_PID=$!; export S3_IMPL S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
fi
export AWS_REGION=${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-S3RVER} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-S3RVER}
export AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED AWS_RESPONSE_CHECKSUM_VALIDATION=WHEN_REQUIRED
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

_ok=0
for _i in $(seq 1 150); do
  _pg=0; _rd=0; _s3=0
  if [ "$_SVC_STARTED_PG" = 0 ] || pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then _pg=1; fi
  if [ "$_SVC_STARTED_REDIS" = 0 ] || [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then _rd=1; fi
  if [ -z "$_SVC_S3_PID" ] || [ "$(curl -s -o /dev/null -w '%{http_code}' "$S3_ENDPOINT/")" != 000 ]; then _s3=1; fi
  if [ $_pg = 1 ] && [ $_rd = 1 ] && [ $_s3 = 1 ]; then _ok=1; break; fi
  sleep 0.2
done
if [ $_ok != 1 ]; then _svc_log "services did not come up (pg=$_pg redis=$_rd s3=$_s3); logs in $SVC_DIR"; fi
_svc_log "PostgreSQL $DATABASE_URL, Redis $REDIS_URL, S3 (${S3_IMPL:-external}) $S3_ENDPOINT"

services_stop() {
  if [ "$_SVC_STARTED_PG" = 1 ]; then su postgres -c "$PGBIN/pg_ctl -D $SVC_DIR/pg/data -m fast stop" >/dev/null 2>&1 || true; fi
  if [ "$_SVC_STARTED_REDIS" = 1 ]; then kill "$(cat "$SVC_DIR/redis.pid" 2>/dev/null)" 2>/dev/null || true; fi
  if [ -n "$_SVC_S3_PID" ]; then kill "$_SVC_S3_PID" 2>/dev/null || true; fi
}
set +e +u +o pipefail
