#!/bin/bash
# ox: interrupted snapshots resume over a real S3 server (Swift with
# s3api, or the one $S3_SERVER_SCRIPT starts), as test-oxsnap-resume.sh
# does on file://: a snapshot under --bwlimit killed (SIGKILL) once about
# half its segments are marked, run again: it uploads at most about 55% of
# a whole run's segment bytes, restores exactly, verifies, and leaves no
# markers.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"

s3_server_start
S3TOOL=$OX_BUILD/tests/test-s3store
# count URL PREFIX: "N BYTES" of the objects under PREFIX.
count () { "$S3TOOL" count "$1" "$2"; }
marks () { count "$1" volumes/v/partial/ | cut -d' ' -f1; }
seg_bytes () { count "$1" segments/ | cut -d' ' -f2; }
nsegs () { count "$1" segments/ | cut -d' ' -f1; }

head -c $((24 * 1048576)) /dev/urandom >"$T/img"
new_key "$T/key"
chmod 600 "$T/key"
K=(--key-file "$T/key")
OPTS=(--volume v --segment-size 1M --chunk-size 64K "${K[@]}")

echo "== a whole run, for the bytes it uploads"
s3_new_bucket whole
W=s3://$bucket/store
ox init "$W" "${K[@]}"
ox snapshot "$T/img" "$W" "${OPTS[@]}" -q >/dev/null
whole=$(seg_bytes "$W")
echo "a whole run stores $whole bytes in $(nsegs "$W") segments"

echo "== killed at half, then run again"
s3_new_bucket resume
S=s3://$bucket/store
ox init "$S" "${K[@]}"
"$OXSNAP" snapshot "$T/img" "$S" "${OPTS[@]}" -q --bwlimit 8M >/dev/null 2>"$T/killed.err" &
pid=$!
for ((i = 0; i < 600; i++)); do
  [ "$(marks "$S")" -ge 12 ] && break
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
n=$(marks "$S")
echo "killed with $n of about 24 segments marked"
[ "$n" -gt 0 ] || fail "no markers"
[ "$(nsegs "$S")" -lt 24 ] || fail "it finished first"
[ "$(count "$S" volumes/v/snapshots/ | cut -d' ' -f1)" = 0 ] || fail "a killed run published"
before=$(seg_bytes "$S")
id=$(ox snapshot "$T/img" "$S" "${OPTS[@]}")
assert_grep '; resumed [0-9]+ segments of an interrupted snapshot' "$T/stderr"
added=$(($(seg_bytes "$S") - before))
echo "the second run uploaded $added bytes of segments ($((100 * added / whole))% of a whole run)"
[ "$added" -le $((whole * 55 / 100)) ] || fail "uploaded $added of $whole bytes"
ox restore "$S" "v@$id" "$T/out" "${K[@]}"
assert_same "$T/img" "$T/out"
ox verify "$S" --full "${K[@]}"
[ "$(marks "$S")" = 0 ] || fail "markers left"
echo PASS
