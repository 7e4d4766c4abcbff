# ox: shared by test-oxsnap-gc.sh and test-s3-gc.sh (sourced after
# plugin-lib.sh, not a test).
#
# gc_cases STORE: the caller defines `count PREFIX` (the number of objects
# under PREFIX of STORE) and has run `oxsnap init STORE --no-encryption`.
# Snapshots of an 8 MiB image, changed between them, go to volume v; then
# forget and gc (oxsnap(1), DESIGN.md "Garbage collection while others
# work"): nothing referenced is ever deleted; --dry-run changes nothing; a
# grace period condemns first and deletes in a later run; a snapshot being
# written holds off every deletion, so the frames it shares with its
# forgotten parent survive; a clone pins its basis; two collectors at once,
# and collectors killed at any moment, leave a store that verify --full
# passes, and the next gc finishes the work. Every remaining snapshot
# restores to its bytes.
gc_cases () {
  local ST=$1 s0 s1 s2 s3 s4 before n pid delay i

  make_image "$T/a.img" $((8 * 1024 * 1024))
  snap () {
    $OXSNAP snapshot "$T/a.img" "$ST" --volume v --chunk-size 64K \
      --segment-size 256K --no-progress -q "$@"
  }
  # change N: rewrite 1 MiB of the image at N MiB (deterministic bytes).
  change () {
    $PY - "$T/a.img" "$1" <<'PY'
import random, sys
r = random.Random(int(sys.argv[2]))
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]) << 20)
    f.write(r.randbytes(1 << 20))
PY
  }
  gc () { $OXSNAP gc "$ST" --no-progress "$@" 2>"$T/gc.err" >"$T/gc.out" || { cat "$T/gc.err" "$T/gc.out" >&2; fail "oxsnap gc $* failed"; }; cat "$T/gc.out"; }
  objects () { echo $(( $(count segments/) + $(count pages/) )); }
  check_restore () { # SNAP IMAGE
    $OXSNAP restore "$ST" "v@$1" "$T/r.img" -q || fail "restore of v@$1 failed"
    cmp "$T/r.img" "$2" || fail "v@$1 does not restore to its bytes"
    rm -f "$T/r.img"
  }
  verify_full () {
    $OXSNAP verify "$ST" --full -q || fail "verify --full failed ($1)"
  }

  s0=$(snap); cp "$T/a.img" "$T/a0.img"
  change 1; s1=$(snap); cp "$T/a.img" "$T/a1.img"
  change 3; s2=$(snap); cp "$T/a.img" "$T/a2.img"

  echo "== nothing forgotten: nothing is deleted"
  before=$(objects)
  gc --grace 0 | grep -q "^deleted 0 objects" || fail "gc deleted a referenced object"
  [ "$(objects)" = "$before" ] || fail "objects changed"

  echo "== forget v@$s0; a dry run changes nothing"
  $OXSNAP forget "$ST" "v@$s0" -q || fail "forget failed"
  gc --grace 0 --dry-run | grep -E "^would delete [1-9][0-9]* objects" || fail "dry run saw no garbage"
  n=$(sed -n 's/^would delete \([0-9]*\) objects.*/\1/p' "$T/gc.out")
  [ "$(objects)" = "$before" ] && [ "$(count gc/)" = 0 ] || fail "a dry run changed the store"

  echo "== a grace period: condemned by one run, deleted by a later one"
  gc | grep -q "condemned $n unreferenced objects" || fail "gc did not condemn the $n objects"
  [ "$(count gc/condemned/)" = 1 ] && [ "$(objects)" = "$before" ] || fail "condemning deleted something"
  gc | grep -q "$n condemned earlier" || fail "a second run did not wait"
  [ "$(count gc/condemned/)" = 1 ] || fail "a second list for the same objects"
  sleep 2
  gc --grace 1s | grep -q "^deleted $n objects" || fail "the grace period passed, nothing deleted"
  [ "$(objects)" = $((before - n)) ] && [ "$(count gc/)" = 0 ] || fail "counts after deletion"
  verify_full "after the first collection"
  check_restore "$s1" "$T/a1.img"
  check_restore "$s2" "$T/a2.img"
  if $OXSNAP restore "$ST" "v@$s0" "$T/r.img" 2>/dev/null; then fail "a forgotten snapshot restored"; fi

  echo "== a snapshot being written holds off deletion; it keeps its forgotten parent's frames"
  change 5
  snap --bwlimit 256K >"$T/s3" &
  pid=$!
  for i in $(seq 1 200); do [ "$(count gc/leases/)" != 0 ] && break; sleep 0.05; done
  [ "$(count gc/leases/)" != 0 ] || fail "the writer took no lease"
  $OXSNAP forget "$ST" "v@$s2" -q
  gc --grace 0 | grep -q "^deleting nothing: work in progress (snapshot by process" || fail "gc did not wait for the writer"
  wait "$pid" || fail "the snapshot failed"
  s3=$(cat "$T/s3"); cp "$T/a.img" "$T/a3.img"
  [ "$(count gc/leases/)" = 0 ] || fail "the writer left its lease"
  gc --grace 0 | grep -qE "^deleted [1-9][0-9]* objects" || fail "nothing deleted after the writer ended"
  verify_full "after the writer"
  check_restore "$s3" "$T/a3.img"
  check_restore "$s1" "$T/a1.img"

  echo "== a clone pins its basis, forgotten or not"
  start_server store="$ST" volume="v@$s1" overlay="$T/ov"
  $OXSNAP forget "$ST" "v@$s1" -q 2>"$T/forget.err" || fail "forget of a served snapshot failed"
  grep -q "snapshot v@$s1 is in use: a clone by process" "$T/forget.err" || { cat "$T/forget.err" >&2; fail "forget did not warn about the live clone"; }
  gc --grace 0 | grep -q " and 1 pinned clones or restores" || fail "the clone's lease was not seen"
  $CLIENT_ENV nbdcopy "$URI" "$T/c.img" || fail "nbdcopy from the clone failed"
  cmp "$T/c.img" "$T/a1.img" || fail "the clone of a forgotten snapshot served other bytes"
  stop_server
  gc --grace 0 | grep -qE "^deleted [1-9][0-9]* objects" || fail "the basis was not collected after the clone stopped"
  verify_full "after the clone"
  check_restore "$s3" "$T/a3.img"

  echo "== two collectors and a writer at once"
  change 2; s4=$(snap); cp "$T/a.img" "$T/a4.img"
  $OXSNAP forget "$ST" "v@$s3" -q
  change 6
  snap >"$T/s5" & pid=$!
  $OXSNAP gc "$ST" --grace 0 -q & local g1=$!
  $OXSNAP gc "$ST" --grace 0 -q & local g2=$!
  wait "$g1" || fail "gc 1 failed"
  wait "$g2" || fail "gc 2 failed"
  wait "$pid" || fail "the snapshot next to gc failed"
  cp "$T/a.img" "$T/a5.img"
  verify_full "after two collectors"
  check_restore "$(cat "$T/s5")" "$T/a5.img"
  check_restore "$s4" "$T/a4.img"

  echo "== collectors killed at any moment"
  $OXSNAP forget "$ST" "v@$s4" -q
  for delay in 0.01 0.03 0.06 0.1 0.2; do
    $OXSNAP gc "$ST" --grace 0 -q & pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    verify_full "gc killed after $delay s"
  done
  gc --grace 0 >/dev/null
  $OXSNAP gc "$ST" --grace 0 --json --no-progress >"$T/gc.json" || fail "gc --json failed"
  $PY - "$T/gc.json" <<'PY' || fail "garbage left after the last gc"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["unreferenced"] == 0 and j["deleted"] == 0 and j["roots"] == 1, j
PY
  [ "$(count gc/)" = 0 ] || fail "gc state left behind"
  check_restore "$(cat "$T/s5")" "$T/a5.img"
  if $OXSNAP restore "$ST" "v@$s4" "$T/r.img" 2>/dev/null; then fail "a forgotten snapshot restored"; fi
}
