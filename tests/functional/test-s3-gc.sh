#!/usr/bin/env bash
# ox: oxsnap forget and gc over a real S3 server (Swift with s3api, or the
# one $S3_SERVER_SCRIPT starts): the cases of test-oxsnap-gc.sh (gc-lib.sh)
# with the store in a bucket, deletes batched with DeleteObjects.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/gc-lib.sh"
requires nbdcopy

s3_server_start
s3_new_bucket gc
S=s3://$bucket/store
count () { "$OX_BUILD/tests/test-s3store" count "$S" "$1" | cut -d' ' -f1; }
$OXSNAP init "$S" --no-encryption -q
gc_cases "$S"
echo PASS
