#!/bin/sh
# One-shot MinIO set-up for docker/compose.yml (runs in the minio/mc image): creates the bucket,
# turns versioning on and replaces the lifecycle configuration with coin-hts' rules. Idempotent:
# running it again leaves the same state (the lifecycle is imported whole, never appended to).
# The same rules are applied to any S3 bucket by tools/ops/bucket-setup.ts (see docs/operations.md).
#
# Environment: S3_ENDPOINT_INTERNAL (http://minio:9000), MINIO_ROOT_USER, MINIO_ROOT_PASSWORD,
# S3_BUCKET (coinhts), ARCHIVE_EXPIRE_DAYS (30; 0 = keep run archives under backtests/ forever),
# NONCURRENT_EXPIRE_DAYS (7). No AbortIncompleteMultipartUpload rule here: MinIO refuses or drops it
# (it cleans stale uploads itself); tools/ops/bucket-setup.ts adds it on AWS S3.
set -eu
: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}"
endpoint=${S3_ENDPOINT_INTERNAL:-http://minio:9000}
bucket=${S3_BUCKET:-coinhts}
archive_days=${ARCHIVE_EXPIRE_DAYS:-30}
noncurrent_days=${NONCURRENT_EXPIRE_DAYS:-7}

i=0
until mc alias set coinhts "$endpoint" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -ge 30 ] && { echo "minio-init: MinIO at $endpoint did not answer in 60 s" >&2; exit 1; }
  sleep 2
done

mc mb --ignore-existing "coinhts/$bucket"
mc version enable "coinhts/$bucket"

archive_rule=''
if [ "$archive_days" -gt 0 ]; then
  archive_rule="{\"ID\":\"expire-run-archives\",\"Status\":\"Enabled\",\"Filter\":{\"Prefix\":\"backtests/\"},\"Expiration\":{\"Days\":$archive_days}},"
fi
cat > /tmp/lifecycle.json <<JSON
{"Rules":[
  $archive_rule
  {"ID":"expire-noncurrent-versions","Status":"Enabled","Filter":{"Prefix":""},"NoncurrentVersionExpiration":{"NoncurrentDays":$noncurrent_days}}
]}
JSON
mc ilm import "coinhts/$bucket" < /tmp/lifecycle.json
echo "minio-init: bucket $bucket ready (versioning on, backtests/ expire after ${archive_days} d (0 = never), noncurrent versions after ${noncurrent_days} d)"
mc version info "coinhts/$bucket"
mc ilm rule ls "coinhts/$bucket"
