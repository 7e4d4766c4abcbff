#!/usr/bin/env bash
# Interrupted snapshots resume (FORMAT.md 6.4): a snapshot under --bwlimit
# killed (SIGKILL) at about half leaves marked, durable segments and no
# root; run again with the same arguments, it uploads at most about 55% of
# a whole run's bytes, references the rest, restores exactly and verifies;
# the markers are gone once it is published. A marked segment whose index
# was damaged meanwhile is passed over with a warning, never trusted (its
# frames are checked when read, like every frame a snapshot references).
source "$(dirname "$0")/oxsnap-common.sh"

# count_marks STORE: the segments marked durable for volume v.
count_marks () { count_objects "$1/volumes/v/partial"; }

seg_bytes () {
  if [ -d "$1/segments" ]; then du -sb "$1/segments" | cut -f1; else echo 0; fi
}

# kill_at_half STORE IMG TOTAL_SEGMENTS OPTS...: start a snapshot under a
# bandwidth limit and SIGKILL it once about half its segments are stored
# and marked.
kill_at_half () {
  local store=$1 img=$2 total=$3 pid n i
  shift 3
  "$OXSNAP" snapshot "$img" "$store" --volume v -q --bwlimit 8M \
    --segment-size 1M --chunk-size 64K "$@" >/dev/null 2>"$T/killed.err" &
  pid=$!
  for ((i = 0; i < 400; i++)); do
    n=$(count_marks "$store")
    [ "$n" -ge $((total / 2)) ] && break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "killed with $(count_marks "$store") segments of about $total marked"
  [ "$(count_segments "$store")" -lt "$total" ] || fail "it finished first"
  [ ! -d "$store/volumes/v/snapshots" ] || fail "a killed run published"
}

head -c $((24 * 1048576)) /dev/urandom >"$T/img"

echo "== a whole run, for the bytes it uploads"
ox init "$T/whole" --no-encryption
ox snapshot "$T/img" "$T/whole" --volume v --segment-size 1M --chunk-size 64K -q >/dev/null
whole=$(seg_bytes "$T/whole")
echo "a whole run stores $whole bytes of segments"

echo "== killed at half, then run again"
new_key "$T/key"
chmod 600 "$T/key"
K=(--key-file "$T/key")
ox init "$T/store" "${K[@]}"
kill_at_half "$T/store" "$T/img" 24 "${K[@]}"
[ "$(count_marks "$T/store")" -gt 0 ] || fail "no markers"
before=$(seg_bytes "$T/store")
id=$(ox snapshot "$T/img" "$T/store" --volume v --segment-size 1M \
  --chunk-size 64K "${K[@]}")
assert_grep '; resumed [0-9]+ segments of an interrupted snapshot' "$T/stderr"
added=$(($(seg_bytes "$T/store") - before))
echo "the second run uploaded $added bytes of segments ($((100 * added / whole))% of a whole run)"
[ "$added" -le $((whole * 55 / 100)) ] || fail "uploaded $added of $whole bytes"
ox restore "$T/store" "v@$id" "$T/out" "${K[@]}"
assert_same "$T/img" "$T/out"
rm -f "$T/out"
ox verify "$T/store" --full "${K[@]}"
[ "$(count_marks "$T/store")" -eq 0 ] ||
  fail "markers left: $(find "$T/store/volumes/v/partial/" -type f)"

echo "== a damaged marked segment is passed over, not trusted"
ox init "$T/bad" --no-encryption
kill_at_half "$T/bad" "$T/img" 24
mapfile -t marks < <(cd "$T/bad/volumes/v/partial" && find . -type f | sort)
[ "${#marks[@]}" -ge 2 ] || fail "too few markers"
seg=$(basename "${marks[0]}")
# A byte of its index (just before the 64-byte footer): its MAC fails.
f=$T/bad/segments/${seg:0:2}/$seg
flip_byte "$f" $(($(stat -c %s "$f") - 70))
id=$(ox snapshot "$T/img" "$T/bad" --volume v --segment-size 1M --chunk-size 64K)
assert_grep "warning: resuming v@[0-9a-f]{16}: segment segments/${seg:0:2}/$seg cannot be used" "$T/stderr"
assert_grep '; resumed [0-9]+ segments' "$T/stderr"
ox restore "$T/bad" "v@$id" "$T/out"
assert_same "$T/img" "$T/out"
ox verify "$T/bad" v --full
