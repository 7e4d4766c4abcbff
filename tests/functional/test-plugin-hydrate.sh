#!/usr/bin/env bash
# nbdkit-ox-plugin: background hydration makes the whole clone local (it
# then equals the source), fetches each data chunk once, and marks the
# overlay complete; a complete overlay is served with the store removed,
# after a restart, with or without store=, and never fetches again.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdcopy

SIZE=$((24 * 1024 * 1024 + 12288)) # not a multiple of the chunk size
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null
want=$(data_chunks "$T/src.img" 65536)

start_server store="$T/store" volume=vol overlay="$T/ov" hydrate=on \
  stats-file="$T/stats.log" -D ox.hydrate=1
wait_complete "$T/ov"
timeout 120 nbdcopy "$URI" "$T/copy.img"
cmp "$T/src.img" "$T/copy.img" || fail "hydrated clone differs"
sleep 1.2 # one more stats line
stop_server

[ "$(stat_of fetches)" -eq "$want" ] \
  || fail "fetched $(stat_of fetches) chunks, expected $want (each once)"
[ "$(stat_of background_fetches)" -gt 0 ] || fail "no background fetch"
[ "$(stat_of run_reads)" -gt 0 ] || fail "no coalesced reads of adjacent frames"
[ "$(stat_of store_reads)" -lt "$want" ] \
  || fail "$(stat_of store_reads) reads of the store for $want chunks"
[ "$(stat_of fetch_errors)" -eq 0 ] || fail "fetch errors"
grep -q "hydrate: overlay .* is complete" "$T/nbdkit.log" \
  || fail "no -D ox.hydrate=1 message"
[ "$(stats_sum "$T/stats.log" background_fetches)" -eq \
  "$(stat_of background_fetches)" ] || fail "stats-file background_fetches"
grep -q " complete=1 " "$T/stats.log" || fail "stats-file never complete"
grep -q "read_p99_us=" "$T/stats.log" || fail "no latencies in stats-file"
$OXSNAP status "$T/ov" > "$T/status.out"
grep -q "100.0% local" "$T/status.out" || { cat "$T/status.out"; fail "status"; }
grep -q "complete: detached" "$T/status.out" || fail "status: not detached"
grep -q "remote: *0 bytes" "$T/status.out" || fail "status: remote bytes"

# Detached: the store is gone; a restart serves everything from the
# overlay without contacting it.
mv "$T/store" "$T/store.gone"
start_server store="$T/store" overlay="$T/ov"
timeout 120 nbdcopy "$URI" "$T/copy2.img"
cmp "$T/src.img" "$T/copy2.img" || fail "detached clone differs"
# Writes still work and persist.
nbdpy <<'PY'
h.pwrite(b"detached!" * 1000, 5000)
h.zero(65536 * 3, 1 << 20)
h.flush()
PY
stop_server
grep -q "detached from the store" "$T/nbdkit.log" || fail "not detached"
[ "$(stat_of fetches)" -eq 0 ] || fail "a detached clone fetched"
$PY - "$T/src.img" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[5000:5000 + 9000] = b"detached!" * 1000
d[1 << 20:(1 << 20) + 3 * 65536] = bytes(3 * 65536)
open(sys.argv[1] + ".model", "wb").write(d)
PY
# No store= at all, and volume= naming the pinned snapshot.
start_server overlay="$T/ov" volume=vol
timeout 120 nbdcopy "$URI" "$T/copy3.img"
stop_server
cmp "$T/src.img.model" "$T/copy3.img" || fail "writes after detach lost"
# A complete overlay still refuses another volume.
if timeout 30 "${NBDKIT[@]}" -U - "$PLUGIN" overlay="$T/ov" volume=other \
    --run true 2>"$T/err"; then
  fail "served a complete overlay as another volume"
fi
grep -q "not of volume other" "$T/err" || { cat "$T/err"; fail "message"; }
echo OK
