#!/bin/bash
# ox: a slow but working S3 server is not taken for a stalled one. A fault
# proxy holds DeleteObjects and CompleteMultipartUpload requests longer
# than the stall timeout (OX_S3_STALL_TIMEOUT) before the server sees them;
# such requests get a timeout that grows with their keys or parts
# (stall x (2 + n/250)), so a delete of thousands of keys completes (the
# listing proves the keys are gone) and a multipart upload completes with
# the right bytes. A batch held for good is split: its keys go again in
# smaller batches. Each case has its own bucket: tests may share a server.
set -euo pipefail
source "$(dirname "$0")/s3-lib.sh"

T=$OX_BUILD/tests/test-s3store
[ -x "$T" ] || die "test-s3store is not built"
s3_server_start
out=$S3_TMP/out

# start_delay_proxy N BASE_MS MS_PER_1000 [HANG_ABOVE]: FP_ENDPOINT, FP_LOG.
start_delay_proxy ()
{
  local upstream=${OX_S3_ENDPOINT##*:} file=$S3_TMP/proxy.$RANDOM
  /usr/bin/python3 "$OX_SRC/tests/functional/s3-fault-proxy.py" "$file" \
    "${upstream%/}" delay "$@" &
  FP_PID=$!
  for _ in $(seq 1 100); do [ -s "$file" ] && break; sleep 0.05; done
  [ -s "$file" ] || die "the fault proxy did not start"
  FP_ENDPOINT=http://127.0.0.1:$(cat "$file")
  FP_LOG=$file.log
}
stop_delay_proxy () { kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true; }

echo "== a batch held for good is split and its keys deleted"
s3_new_bucket oxsplit
"$T" fill "s3://$bucket/s" 40
start_delay_proxy 1000 0 0 20
OX_S3_ENDPOINT=$FP_ENDPOINT OX_S3_STALL_TIMEOUT=2 \
  "$T" delete-all "s3://$bucket/s" | tee "$out"
stop_delay_proxy
cat "$FP_LOG"
expect_in "$out" "delete of 40 keys: done" "left: 0 keys"
[ "$(head -1 "$FP_LOG")" = "delete 40 hang" ] || die "no batch was held"
[ "$(grep -c '^delete 20 ' "$FP_LOG")" = 2 ] || die "the batch was not halved"

echo "== CompleteMultipartUpload answered after 5 s of silence (stall 4 s)"
s3_new_bucket oxcomplete
export OX_S3_MULTIPART_THRESHOLD=1048576 OX_S3_PART_SIZE=262144
"$T" put "s3://$bucket/m" direct 5000000
"$T" get "s3://$bucket/m" direct > "$S3_TMP/want"
start_delay_proxy 1000 5000 0
OX_S3_ENDPOINT=$FP_ENDPOINT OX_S3_STALL_TIMEOUT=4 OX_S3_RETRIES=1 \
  "$T" put "s3://$bucket/m" held 5000000
stop_delay_proxy
unset OX_S3_MULTIPART_THRESHOLD OX_S3_PART_SIZE
cat "$FP_LOG"
expect_in "$FP_LOG" "^complete 20 5.00"
"$T" get "s3://$bucket/m" held > "$out"
cmp "$S3_TMP/want" "$out"

echo "== delete of 2000 keys, each batch held 20 s (stall 15 s)"
s3_new_bucket oxslow
"$T" fill "s3://$bucket/s" 2000
start_delay_proxy 1000 0 20000
start=$SECONDS
OX_S3_ENDPOINT=$FP_ENDPOINT OX_S3_STALL_TIMEOUT=15 OX_S3_RETRIES=1 \
  "$T" delete-all "s3://$bucket/s" | tee "$out"
stop_delay_proxy
cat "$FP_LOG"
echo "took $((SECONDS - start)) s"
expect_in "$out" "delete of 2000 keys: done" "left: 0 keys" "2 requests"
[ "$(grep -c '^delete 1000 20.00' "$FP_LOG")" = 2 ] ||
  die "the batches were not held"
echo "PASS"
