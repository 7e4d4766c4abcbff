#!/usr/bin/env bash
# nbdkit-ox-plugin: record-trace=on stores the order of a clone's first
# reads beside the snapshot (volumes/VOL/traces/ID), encrypted in an
# encrypted store; a later clone of the snapshot hydrates those chunks
# first, in that order, and still ends up equal to the source. The store
# still verifies with a trace in it; a tampered trace is ignored with a
# warning and the clone still hydrates correctly.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdcopy

SIZE=$((16 * 1024 * 1024))
make_image "$T/src.img" $SIZE
export OX_KEY_FILE=$T/key
$OXSNAP init "$T/store" --key-file "$T/key" -q
id=$(make_store "$T/src.img" vol 65536)
KEY=key-file=$T/key

# A "boot": data chunks read in a scattered order.
start_server store="$T/store" volume=vol overlay="$T/ov1" hydrate=off \
  record-trace=on readahead=0 "$KEY"
nbdpy "$T/src.img" > "$T/order" <<'PY'
src = open(sys.argv[1], "rb").read()
C = 65536
chunks = [c for c in (200, 7, 130, 31, 250, 64, 3, 190, 99, 12)
          if any(src[c * C:(c + 1) * C])]
for c in chunks + chunks[:3]:          # repeats are recorded once
    assert h.pread(4096, c * C + 8192) == src[c * C + 8192:c * C + 12288]
print(" ".join(map(str, chunks)))
PY
stop_server
grep -q "stored a read trace of $(wc -w < "$T/order") chunks" "$T/nbdkit.log" \
  || fail "trace not stored"
[ -s "$T/store/volumes/vol/traces/$id" ] || fail "no trace object"
$OXSNAP verify "$T/store" > /dev/null || fail "verify with a trace"
# Sealed: neither the indices nor the magic of the old clear format show.
$PY - "$T/store/volumes/vol/traces/$id" $(cat "$T/order") <<'PY' \
  || fail "trace object in the clear"
import struct, sys
obj = open(sys.argv[1], "rb").read()
order = [int(x) for x in sys.argv[2:]]
assert obj.startswith(b"OXTRACE2"), obj[:8]
for i in range(len(order)):
    assert struct.pack("<Q", order[i]) + struct.pack("<Q", order[(i + 1) % len(order)]) not in obj
PY

# A new clone hydrates the traced chunks first, in order.
start_server store="$T/store" volume=vol overlay="$T/ov2" hydrate=on \
  hydrate-threads=1 -D ox.hydrate=1 "$KEY"
wait_complete "$T/ov2"
timeout 120 nbdcopy "$URI" "$T/copy.img"
stop_server
cmp "$T/src.img" "$T/copy.img" || fail "clone differs"
grep -q "hydrating the $(wc -w < "$T/order") chunks of the read trace" \
  "$T/nbdkit.log" || fail "trace not loaded"
got=$(grep -o "hydrate: chunk [0-9]* local" "$T/nbdkit.log" \
  | awk -v n="$(wc -w < "$T/order")" 'NR <= n { print $3 }' | tr '\n' ' ')
[ "$got" = "$(cat "$T/order") " ] \
  || fail "hydration order '$got', expected the trace '$(cat "$T/order")'"

# A flipped bit in the trace: ignored with a warning, nothing else changes.
tr=$T/store/volumes/vol/traces/$id
$PY - "$tr" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) - 20] ^= 0x10
open(sys.argv[1], "wb").write(b)
PY
: > "$T/nbdkit.log"
start_server store="$T/store" volume=vol overlay="$T/ov3" hydrate=on "$KEY"
wait_complete "$T/ov3"
timeout 120 nbdcopy "$URI" "$T/copy3.img"
stop_server
cmp "$T/src.img" "$T/copy3.img" || fail "clone with a bad trace differs"
grep -q "read trace volumes/vol/traces/$id ignored" "$T/nbdkit.log" \
  || fail "no warning for a tampered trace"
grep -q "chunks of the read trace" "$T/nbdkit.log" && fail "bad trace used"
echo OK
