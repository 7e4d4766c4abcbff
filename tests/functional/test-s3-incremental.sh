#!/bin/bash
# ox: incremental snapshots over a real S3 server (Swift with s3api, or
# the one $S3_SERVER_SCRIPT starts): the same chain of six snapshots as
# test-oxsnap-incremental.sh, store-wide dedup and --full.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/incremental-lib.sh"

s3_server_start
s3_new_bucket incr
new_key "$T/key"
chmod 600 "$T/key"
S=s3://$bucket/store
ox init "$S" --key-file "$T/key"
incremental_chain "$S" --key-file "$T/key"
