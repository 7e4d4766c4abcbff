#!/bin/bash
# ox: NBD sources and --dirty-bitmap over a real S3 server (Swift with
# s3api, or the one $S3_SERVER_SCRIPT starts): the cases of
# test-oxsnap-nbd.sh (nbd-lib.sh) with the store in a bucket.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/nbd-lib.sh"

s3_server_start
s3_new_bucket nbd
new_key "$T/key"
chmod 600 "$T/key"
S=s3://$bucket/store
ox init "$S" --key-file "$T/key"
nbd_cases "$S" --key-file "$T/key"
echo PASS
