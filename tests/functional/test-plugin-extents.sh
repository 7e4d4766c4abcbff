#!/usr/bin/env bash
# nbdkit-ox-plugin: block status reports ZERO basis chunks and local holes
# as holes, everything else as data, before and after writes and trims.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdinfo qemu-img

# 2 MiB data, 2 MiB zeros, 1 MiB data, 3 MiB zeros.
$PY - "$T/src.img" <<'PY'
import random, sys
r = random.Random(3)
open(sys.argv[1], "wb").write(r.randbytes(2 << 20) + bytes(2 << 20)
                              + r.randbytes(1 << 20) + bytes(3 << 20))
PY
make_store "$T/src.img" vol 65536 >/dev/null
start_server store="$T/store" volume=vol overlay="$T/ov"

map () { timeout 60 nbdinfo --map=base:allocation "$URI" | awk '{print $1, $2, $3}'; }
expect () {
  local got
  got=$(map)
  if [ "$got" != "$1" ]; then
    echo "expected:"; echo "$1"; echo "got:"; echo "$got"
    fail "wrong extents"
  fi
}

M=1048576
expect "0 $((2*M)) 0
$((2*M)) $((2*M)) 3
$((4*M)) $((1*M)) 0
$((5*M)) $((3*M)) 3"

# Reading everything (copy-on-read) changes nothing in the map.
timeout 60 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
expect "0 $((2*M)) 0
$((2*M)) $((2*M)) 3
$((4*M)) $((1*M)) 0
$((5*M)) $((3*M)) 3"

# Trim inside data, write into zeros, zero with NO_HOLE.
nbdpy <<'PY'
M = 1 << 20
h.trim(M, M // 2)                       # local hole in data
h.pwrite(b"x" * 8192, 3 * M)            # data inside a ZERO chunk
h.zero(65536, 6 * M)                    # zeroing a ZERO chunk: a hole
h.flush()
# REQ_ONE gives one extent that starts at the offset.
seen = []
def cb(meta, off, ents, err):
    seen.append((off, list(ents)))
h.block_status(M // 2 + 4096, 4 * M, cb, nbd.CMD_FLAG_REQ_ONE)
assert len(seen) == 1 and len(seen[0][1]) == 2, seen
assert seen[0][1][1] == 0, seen                  # data
assert seen[0][1][0] >= 4096, seen
PY
expect "0 $((M/2)) 0
$((M/2)) $((M)) 3
$((3*M/2)) $((M/2)) 0
$((2*M)) $((M)) 3
$((3*M)) 8192 0
$((3*M+8192)) $((M-8192)) 3
$((4*M)) $((1*M)) 0
$((5*M)) $((3*M)) 3"

# qemu-img map agrees, and the map survives a restart.
stop_server
start_server store="$T/store" overlay="$T/ov"
expect "0 $((M/2)) 0
$((M/2)) $((M)) 3
$((3*M/2)) $((M/2)) 0
$((2*M)) $((M)) 3
$((3*M)) 8192 0
$((3*M+8192)) $((M-8192)) 3
$((4*M)) $((1*M)) 0
$((5*M)) $((3*M)) 3"
timeout 60 qemu-img map -f raw --output=json "$URI" > "$T/qmap.json"
$PY - "$T/qmap.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
data = [(e["start"], e["length"]) for e in m if e["data"]]
M = 1 << 20
assert data == [(0, M // 2), (3 * M // 2, M // 2), (3 * M, 8192), (4 * M, M)], data
PY
stop_server
echo OK
