#!/usr/bin/env bash
# ox: forget and gc while others work, on a real S3 server (DESIGN.md
# "Garbage collection while others work"): for OX_STRESS_SECONDS (default 30)
# a writer snapshots a changing image, a forgetter forgets random
# snapshots, a collector runs gc with a short grace period, and clones of
# random snapshots (hydrating, or reading on demand) are read whole with
# nbdcopy, all at once in random order. Every clone read must return its
# snapshot's bytes; afterwards every remaining snapshot passes verify --full
# and restores to its source.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
requires nbdcopy

s3_server_start
s3_new_bucket gcstress
S=s3://$bucket/store
SECS=${OX_STRESS_SECONDS:-30}
$OXSNAP init "$S" --no-encryption -q
mkdir -p "$T/img"
make_image "$T/cur.img" $((4 * 1024 * 1024))
end=$(( $(date +%s) + SECS ))

writer () {
  local n=0 id
  while [ "$(date +%s)" -lt "$end" ]; do
    $PY - "$T/cur.img" "$n" <<'PY'
import random, sys
r = random.Random(int(sys.argv[2]))
with open(sys.argv[1], "r+b") as f:
    for _ in range(r.randint(1, 4)):
        f.seek(r.randrange(64) * 65536)
        f.write(r.randbytes(65536 * r.randint(1, 3)))
PY
    id=$($OXSNAP snapshot "$T/cur.img" "$S" --volume v --chunk-size 64K \
           --segment-size 256K --no-progress -q 2>"$T/writer.err") ||
      { cat "$T/writer.err" >&2; echo "writer failed" >"$T/failed"; return; }
    cp "$T/cur.img" "$T/img/.new" && mv "$T/img/.new" "$T/img/$id"
    n=$((n + 1))
    # A pause, as between nightly snapshots: while a snapshot is written gc
    # deletes nothing, so without one it might never delete.
    sleep "0.$((RANDOM % 7 + 3))"
  done
  echo "$n" >"$T/writes"
}

forgetter () {
  local n=0 victim
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep "1.$((RANDOM % 9))"
    # A random snapshot, but leave at least two.
    mapfile -t ids < <($OXSNAP list "$S" v 2>/dev/null | awk 'NR > 1 {print $1}')
    [ "${#ids[@]}" -gt 2 ] || continue
    victim=${ids[$((RANDOM % ${#ids[@]}))]}
    if $OXSNAP forget "$S" "v@$victim" -q >/dev/null 2>"$T/forget.err"; then
      n=$((n + 1))
    elif ! grep -q "not found\|no snapshot" "$T/forget.err"; then
      cat "$T/forget.err" >&2; echo "forget failed" >"$T/failed"; return
    fi
  done
  echo "$n" >"$T/forgets"
}

collector () {
  local n=0
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep "0.$((RANDOM % 9 + 1))"
    $OXSNAP gc "$S" --grace 2s --no-progress --json >"$T/gc.json" 2>"$T/gc.err" ||
      { cat "$T/gc.err" >&2; echo "gc failed" >"$T/failed"; return; }
    n=$((n + $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["deleted"])' "$T/gc.json")))
  done
  echo "$n" >"$T/deleted"
}

cloner () {
  local n=0 ok=0 id hyd
  while [ "$(date +%s)" -lt "$end" ]; do
    # A snapshot listed now; the forgetter may take it at any moment.
    mapfile -t ids < <($OXSNAP list "$S" v 2>/dev/null | awk 'NR > 1 {print $1}')
    [ "${#ids[@]}" -gt 0 ] || { sleep 0.2; continue; }
    id=${ids[$((RANDOM % ${#ids[@]}))]}
    [ -e "$T/img/$id" ] || continue # published, its source not yet kept
    hyd=$([ $((RANDOM % 2)) = 0 ] && echo "hydrate=on bwlimit=4M" || echo hydrate=off)
    rm -rf "$T/ov" "$T/c.img"
    n=$((n + 1))
    # shellcheck disable=SC2086
    if "${NBDKIT[@]}" -U - "$PLUGIN" store="$S" volume="v@$id" overlay="$T/ov" $hyd \
         --run "$CLIENT_ENV nbdcopy \"\$uri\" $T/c.img" >>"$T/clones.log" 2>&1; then
      cmp "$T/c.img" "$T/img/$id" || { echo "clone of v@$id served other bytes" >"$T/failed"; return; }
      ok=$((ok + 1))
    elif ! grep -q "not found\|no snapshot" "$T/clones.log"; then
      tail -20 "$T/clones.log" >&2; echo "a clone of v@$id failed" >"$T/failed"; return
    fi
    : >"$T/clones.log"
  done
  echo "$ok of $n" >"$T/clones"
}

writer & w=$!
forgetter & f=$!
collector & g=$!
cloner & c=$!
wait $w $f $g $c
[ ! -e "$T/failed" ] || fail "$(cat "$T/failed")"
echo "snapshots written: $(cat "$T/writes"), forgotten: $(cat "$T/forgets"), objects deleted by gc: $(cat "$T/deleted"), clones read whole: $(cat "$T/clones")"

echo "== afterwards: every remaining snapshot verifies and restores to its source"
$OXSNAP gc "$S" --grace 0 --no-progress --json >"$T/gc.json" || fail "the last gc failed"
last=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["deleted"])' "$T/gc.json")
echo "the last gc deleted $last objects"
# Snapshots were forgotten, so something was garbage, during the run or at
# the end (a run that a writer blocked the whole time is not an error).
[ $(( $(cat "$T/deleted") + last )) -gt 0 ] || fail "gc deleted nothing"
$OXSNAP verify "$S" --full -q >/dev/null || fail "verify --full failed"
n=0
for id in $($OXSNAP list "$S" v | awk 'NR > 1 {print $1}'); do
  $OXSNAP restore "$S" "v@$id" "$T/r.img" -q || fail "restore of v@$id failed"
  cmp "$T/r.img" "$T/img/$id" || fail "v@$id does not restore to its source"
  rm -f "$T/r.img"
  n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "only $n snapshots remain"
echo "$n snapshots restored"
echo PASS
