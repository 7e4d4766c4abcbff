#!/usr/bin/env bash
# ox: oxsnap snapshot OVERLAY_DIR over a real S3 server (Swift with s3api,
# or the one $S3_SERVER_SCRIPT starts): the cases of test-oxsnap-clone.sh
# (clone-lib.sh) with the basis and the new snapshots in a bucket.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/clone-lib.sh"
requires nbdcopy

s3_server_start
s3_new_bucket clone
S=s3://$bucket/store
make_image "$T/src.img" $((16 * 1024 * 1024))
$OXSNAP init "$S" --no-encryption -q
base=$($OXSNAP snapshot "$T/src.img" "$S" --volume gold --chunk-size 64K -q)
clone_cases "$S" "$base"
echo PASS
