#!/usr/bin/env bash
# ox: a frame damaged on the way from a real S3 server (one byte of the
# body of a ranged GET inverted, Content-Length kept: what TCP's checksum
# can miss) is fetched once more, and the reader gets the right bytes:
# a clone on the demand path (readahead=0), a clone with readahead and
# hydration (coalesced runs), and oxsnap restore; for an encrypted store
# (AES-GCM fails) and an unencrypted one (XXH3 fails). Each damaged frame
# is logged with its object and chunk, then as good on the second fetch.
# (A frame corrupt in the store fails twice and gives EIO:
# test-plugin-corrupt.sh and test-oxsnap-corrupt-frame.sh.)
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
requires nbdcopy

s3_server_start
s3_new_bucket oxwire
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
NFLIP=3

start_fault_proxy () {
  local upstream=${OX_S3_ENDPOINT##*:}
  FP_FILE=$S3_TMP/proxy.$RANDOM
  /usr/bin/python3 "$OX_SRC/tests/functional/s3-fault-proxy.py" "$FP_FILE" \
    "${upstream%/}" "$@" &
  FP_PID=$!
  for _ in $(seq 1 100); do [ -s "$FP_FILE" ] && break; sleep 0.05; done
  [ -s "$FP_FILE" ] || fail "the fault proxy did not start"
  FP_ENDPOINT=http://127.0.0.1:$(cat "$FP_FILE")
}
stop_fault_proxy () { kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true; }

# check_retried LOG WHAT: NFLIP faults were injected, each logged and then
# good on a second fetch; no error.
check_retried () {
  local log=$1 what=$2 n
  [ "$(cat "$FP_FILE.faults" 2>/dev/null)" = $NFLIP ] ||
    fail "$what: $(cat "$FP_FILE.faults" 2>/dev/null || echo 0) faults injected, expected $NFLIP"
  n=$(grep -cE "segment segments/[0-9a-f]{2}/[0-9a-f]{32}: chunk [0-9]+ \(frame at offset [0-9]+, [0-9]+ bytes\): .*; fetching it once more" "$log" || true)
  [ "$n" = $NFLIP ] || fail "$what: $n retries logged, expected $NFLIP"
  n=$(grep -c "was good when fetched again" "$log" || true)
  [ "$n" = $NFLIP ] || fail "$what: $n good second fetches logged"
  if grep -v "warning:" "$log" | grep -q "error:"; then
    grep "error:" "$log" | head -5
    fail "$what: an error was logged"
  fi
}

SIZE=$((6 * 1024 * 1024 + 4096))
make_image "$T/src.img" $SIZE
printf 'wire fault\n' >"$T/pass"
chmod 600 "$T/pass"

for kind in encrypted plain; do
  S=s3://$bucket/$kind
  if [ $kind = encrypted ]; then
    key=(--passphrase-file "$T/pass"); pkey=(passphrase=+"$T/pass")
  else
    key=(--no-encryption); pkey=()
  fi
  $OXSNAP init "$S" "${key[@]}" -q
  [ $kind = plain ] && key=()
  $OXSNAP snapshot "$T/src.img" "$S" --volume vol --chunk-size 65536 \
    "${key[@]}" --no-progress -q >/dev/null

  echo "== $kind: a clone on the demand path"
  start_fault_proxy flip $NFLIP
  : >"$T/nbdkit.log"
  start_server store="$S" volume=vol overlay="$T/ov-$kind-1" readahead=0 \
    endpoint="$FP_ENDPOINT" "${pkey[@]}"
  timeout 300 nbdcopy "$URI" "$T/copy.img"
  stop_server
  cmp "$T/src.img" "$T/copy.img"
  check_retried "$T/nbdkit.log" "$kind demand"
  [ "$(stat_of fetch_errors)" = 0 ] || fail "fetch errors"
  [ "$(stat_of refetches)" = $NFLIP ] || fail "refetches=$(stat_of refetches)"
  stop_fault_proxy

  echo "== $kind: a clone with readahead and hydration (coalesced runs)"
  start_fault_proxy flip $NFLIP
  : >"$T/nbdkit.log"
  start_server store="$S" volume=vol overlay="$T/ov-$kind-2" readahead=16 \
    hydrate=on endpoint="$FP_ENDPOINT" "${pkey[@]}"
  timeout 300 nbdcopy "$URI" "$T/copy2.img"
  wait_complete "$T/ov-$kind-2"
  stop_server
  cmp "$T/src.img" "$T/copy2.img"
  check_retried "$T/nbdkit.log" "$kind readahead"
  stop_fault_proxy

  echo "== $kind: a clone whose manifest page is damaged on the way"
  start_fault_proxy flip-pages 1
  : >"$T/nbdkit.log"
  start_server store="$S" volume=vol overlay="$T/ov-$kind-3" readahead=0 \
    endpoint="$FP_ENDPOINT" "${pkey[@]}"
  timeout 300 nbdcopy "$URI" "$T/copy3.img"
  stop_server
  cmp "$T/src.img" "$T/copy3.img"
  [ "$(cat "$FP_FILE.faults" 2>/dev/null)" = 1 ] || fail "no page damaged"
  grep -qE "warning: page pages/[0-9a-f]{2}/[0-9a-f]{64}: .*; fetching it once more" \
    "$T/nbdkit.log" || fail "the page retry was not logged"
  grep -q "was good when fetched again" "$T/nbdkit.log" ||
    fail "the good second fetch of the page was not logged"
  stop_fault_proxy

  echo "== $kind: oxsnap restore"
  start_fault_proxy flip $NFLIP
  $OXSNAP restore "$S" vol "$T/restored.img" --endpoint "$FP_ENDPOINT" \
    "${key[@]}" --no-progress -q 2>"$T/restore.log" ||
    { cat "$T/restore.log"; fail "restore failed"; }
  cmp "$T/src.img" "$T/restored.img"
  rm -f "$T/restored.img"
  check_retried "$T/restore.log" "$kind restore"
  stop_fault_proxy
done
echo PASS
