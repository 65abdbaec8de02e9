#!/bin/sh
# One-shot S3 bucket set-up for docker/compose.yml (runs in the amazon/aws-cli image): waits for the S3
# API (bounded), creates the bucket, turns versioning on and replaces the lifecycle configuration with
# coin-hts' rules. Idempotent: running it again leaves the same state (the lifecycle is put whole).
# The same rules are applied to any S3 bucket by `tools/ops/bin/coinhts-ops bucket-setup`; a test checks
# that both produce the same rules (tools/ops/src/docker-static.test.ts).
#
# Environment: S3_ENDPOINT_INTERNAL (http://s3:9000), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
# RESULTS_STORE (s3://{bucket}/{prefix}: the bucket and the prefix of run archives; when it is a folder,
# file:…, the bucket is S3_BUCKET, default coinhts, for backups), ARCHIVE_EXPIRE_DAYS (30; 0 = keep run archives under
# backtests/ forever), NONCURRENT_EXPIRE_DAYS (7), S3_INIT_WAIT_S (60). No AbortIncompleteMultipartUpload
# rule here (bucket-setup adds it on AWS S3; S3 servers such as MinIO refused it).
set -eu
: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
endpoint=${S3_ENDPOINT_INTERNAL:-http://s3:9000}
store=${RESULTS_STORE:-}
case "$store" in
  s3://*) rest=${store#s3://}; bucket=${rest%%/*}; prefix=${rest#"$bucket"}; prefix=${prefix#/} ;;
  *) bucket=${S3_BUCKET:-coinhts}; prefix='' ;;
esac
archive_days=${ARCHIVE_EXPIRE_DAYS:-30}
noncurrent_days=${NONCURRENT_EXPIRE_DAYS:-7}
wait_s=${S3_INIT_WAIT_S:-60}
export AWS_REGION=${AWS_REGION:-us-east-1} AWS_DEFAULT_REGION=${AWS_REGION:-us-east-1} AWS_PAGER=''
s3api() { aws --endpoint-url "$endpoint" --output json s3api "$@"; }

start=$(date +%s)
until s3api list-buckets >/dev/null 2>&1; do
  if [ $(( $(date +%s) - start )) -ge "$wait_s" ]; then
    echo "s3-init: the S3 API at $endpoint did not answer within ${wait_s} s" >&2
    s3api list-buckets >&2 || true
    exit 1
  fi
  sleep 1
done

if ! s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then s3api create-bucket --bucket "$bucket" >/dev/null; fi
s3api put-bucket-versioning --bucket "$bucket" --versioning-configuration Status=Enabled

archive_rule=''
if [ "$archive_days" -gt 0 ]; then
  archive_rule="{\"ID\":\"expire-run-archives\",\"Status\":\"Enabled\",\"Filter\":{\"Prefix\":\"${prefix}backtests/\"},\"Expiration\":{\"Days\":$archive_days}},"
fi
if [ "$noncurrent_days" -lt 1 ]; then noncurrent_days=1; fi
cat > /tmp/lifecycle.json <<JSON
{"Rules":[
  $archive_rule
  {"ID":"expire-noncurrent-versions","Status":"Enabled","Filter":{"Prefix":""},"NoncurrentVersionExpiration":{"NoncurrentDays":$noncurrent_days}},
  {"ID":"expire-delete-markers","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"ExpiredObjectDeleteMarker":true}}
]}
JSON
s3api put-bucket-lifecycle-configuration --bucket "$bucket" --lifecycle-configuration file:///tmp/lifecycle.json
echo "s3-init: bucket $bucket ready (versioning on, ${prefix}backtests/ expire after ${archive_days} d (0 = never), noncurrent versions after ${noncurrent_days} d, expired delete markers removed)"
s3api get-bucket-versioning --bucket "$bucket"
s3api get-bucket-lifecycle-configuration --bucket "$bucket"
