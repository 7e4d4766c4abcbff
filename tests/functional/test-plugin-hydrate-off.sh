#!/usr/bin/env bash
# nbdkit-ox-plugin: hydrate=off fetches only what clients read (nothing in
# the background, even when idle), and the statistics say so.
source "$(dirname "$0")/plugin-lib.sh"

SIZE=$((16 * 1024 * 1024))
CHUNK=65536
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol $CHUNK >/dev/null

start_server store="$T/store" volume=vol overlay="$T/ov" hydrate=off \
  readahead=0 stats-file="$T/stats.log"
nbdpy "$T/src.img" <<'PY'
src = open(sys.argv[1], "rb").read()
for off, n in [(0, 4096), (3 << 20, 100000), (9 << 20 | 77, 5000)]:
    assert h.pread(n, off) == src[off:off + n]
PY
sleep 2.5 # idle: nothing may move
stop_server
# The chunks read, less those that are all zeros.
want=$($PY - "$T/src.img" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
C = 65536
chunks = set()
for off, n in [(0, 4096), (3 << 20, 100000), (9 << 20 | 77, 5000)]:
    chunks |= set(range(off // C, (off + n - 1) // C + 1))
print(sum(1 for c in chunks if any(d[c * C:(c + 1) * C])))
PY
)
[ "$(stat_of fetches)" -eq "$want" ] \
  || fail "fetched $(stat_of fetches) chunks, expected $want"
[ "$(stat_of background_fetches)" -eq 0 ] || fail "background fetches"
[ "$(stats_sum "$T/stats.log" background_bytes)" -eq 0 ] \
  || fail "stats-file shows background bytes"
# (A read over two chunks has the second fetched by a readahead thread.)
[ $(($(stats_sum "$T/stats.log" demand_fetches) + \
     $(stats_sum "$T/stats.log" readahead_fetches))) -eq "$want" ] \
  || { cat "$T/stats.log"; fail "stats-file fetches (want $want)"; }
[ "$(stats_sum "$T/stats.log" reads)" -eq 3 ] || fail "stats-file reads"
grep -qx "complete=1" "$T/ov/ox-overlay" && fail "marked complete"
$OXSNAP status "$T/ov" > "$T/status.out"
grep -q "hydration off" "$T/status.out" || { cat "$T/status.out"; fail "status"; }
grep -q "in $want fetches" "$T/status.out" || { cat "$T/status.out"; fail "status fetches"; }
echo OK
