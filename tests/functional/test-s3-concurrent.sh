#!/bin/bash
# ox: issue 9 on s3:// against the real S3 server (Swift with s3api, which
# answers a conditional PUT with 501, so put_new uses HEAD, PUT and a read
# back): two snapshots of one volume started at the same instant are both
# published under different ids, none replaces another; every snapshot is
# listed and restores to its own source; verify --full is clean. Then the
# put_new unit checks (test-s3store put-new), writers racing on one key.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/concurrent-lib.sh"

s3_server_start
s3_new_bucket concurrent
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/store

ox init "$S" --no-encryption
concurrent_rounds "$S" 20

rc=0
"$OX_BUILD/tests/test-s3store" put-new "s3://$bucket/putnew" || rc=$?
[ $rc != 86 ] || fail "sanitizer report from test-s3store put-new"
[ $rc = 0 ] || fail "test-s3store put-new failed ($rc)"
