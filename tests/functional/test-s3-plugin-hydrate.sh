#!/usr/bin/env bash
# ox: nbdkit-ox-plugin hydrating a clone from s3:// on a real S3 server
# (Swift with s3api): the clone becomes complete and equal to its source,
# each data chunk fetched once; then, with the S3 proxy stopped (private
# server) or a dead endpoint, a restarted clone reads everything correctly
# without contacting the store.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
requires nbdcopy

s3_server_start
s3_new_bucket oxhydrate
export OX_S3_RETRIES=2 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/store

SIZE=$((16 * 1024 * 1024 + 12288))
make_image "$T/src.img" $SIZE
$OXSNAP init "$S" --no-encryption -q
$OXSNAP snapshot "$T/src.img" "$S" --volume vol --chunk-size 65536 \
  --no-progress -q >/dev/null
want=$(data_chunks "$T/src.img" 65536)

echo "== hydration over S3 completes"
start_server store="$S" volume=vol overlay="$T/ov" hydrate=on \
  stats-file="$T/stats.log"
wait_complete "$T/ov" 300
timeout 120 nbdcopy "$URI" "$T/copy.img"
stop_server
cmp "$T/src.img" "$T/copy.img" || fail "hydrated clone differs"
[ "$(stat_of fetches)" -eq "$want" ] \
  || fail "fetched $(stat_of fetches) chunks, expected $want"
[ "$(stats_sum "$T/stats.log" background_fetches)" -gt 0 ] \
  || fail "no background fetch"

echo "== detached: the store unreachable"
if [ "$S3_OWN_SERVER" = 1 ]; then
  srv=$S3_SERVER_SCRIPT
  on_exit "\"$srv\" proxy-start >/dev/null 2>&1 || true"
  "$srv" proxy-stop
  start_server store="$S" overlay="$T/ov"
else
  start_server store="$S" overlay="$T/ov" endpoint=http://127.0.0.1:9
fi
timeout 120 nbdcopy "$URI" "$T/copy2.img"
stop_server
cmp "$T/src.img" "$T/copy2.img" || fail "detached clone differs"
grep -q "detached from the store" "$T/nbdkit.log" || fail "not detached"
[ "$(stat_of fetches)" -eq 0 ] || fail "a detached clone fetched"
grep -q "error: GET" "$T/nbdkit.log" && fail "the store was contacted"
echo PASS
