#!/usr/bin/env bash
# nbdkit-ox-plugin: hydration stopped half way resumes after a restart
# and fetches nothing twice (fetch counters of both runs add up to the
# data chunks); hydrate-rate= holds the background share; after kill -9
# mid-hydration the clone still becomes complete and equal to the source.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdcopy

SIZE=$((48 * 1024 * 1024))
CHUNK=65536
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol $CHUNK >/dev/null
want=$(data_chunks "$T/src.img" $CHUNK)
RATE=$((2 * 1024 * 1024))

# Run 1: slow hydration, stopped cleanly after a while.
start_server store="$T/store" volume=vol overlay="$T/ov" hydrate=on \
  hydrate-rate=$RATE stats-file="$T/stats1.log"
sleep 4
stop_server
f1=$(stat_of fetches)
b1=$(stats_sum "$T/stats1.log" background_bytes)
[ "$f1" -gt 0 ] || fail "run 1 fetched nothing"
[ "$f1" -lt "$want" ] || fail "run 1 finished (rate not applied?)"
grep -qx "complete=1" "$T/ov/ox-overlay" && fail "complete after run 1"
# At most the rate (plus its small burst and the chunks in flight).
[ "$b1" -le $((RATE * 5 + 4 * CHUNK + 2 * 1024 * 1024)) ] \
  || fail "background moved $b1 bytes in ~4 s at $RATE B/s"
$OXSNAP status "$T/ov" > "$T/status1.out"
grep -q "state: *hydrating" "$T/status1.out" || { cat "$T/status1.out"; fail "status"; }

# Run 2: full speed to the end.
start_server store="$T/store" overlay="$T/ov" hydrate=on
wait_complete "$T/ov"
stop_server
f2=$(stat_of fetches)
[ $((f1 + f2)) -eq "$want" ] \
  || fail "fetched $f1 + $f2 chunks over two runs, expected $want"
start_server store="$T/store" overlay="$T/ov"
timeout 120 nbdcopy "$URI" "$T/copy.img"
stop_server
cmp "$T/src.img" "$T/copy.img" || fail "resumed clone differs"
grep -q "runs=3" "$T/ov/stats" || { cat "$T/ov/stats"; fail "runs not counted"; }

# kill -9 mid-hydration: what was flushed stays, the rest is fetched
# again, and the result is still exact.
start_server store="$T/store" volume=vol overlay="$T/ov2" hydrate=on \
  hydrate-rate=$RATE
sleep 3
crash_server
start_server store="$T/store" overlay="$T/ov2" hydrate=on
wait_complete "$T/ov2"
timeout 120 nbdcopy "$URI" "$T/copy2.img"
stop_server
cmp "$T/src.img" "$T/copy2.img" || fail "clone hydrated across a crash differs"
echo OK
