#!/usr/bin/env bash
# nbdkit-ox-plugin: a corrupt chunk in the store fails exactly the requests
# that need it with EIO and a log line naming the segment object and the
# chunk; every other chunk reads correctly and the server stays up.
source "$(dirname "$0")/plugin-lib.sh"

SIZE=$((4 * 1024 * 1024))
$PY - "$T/src.img" <<'PY'
import random, sys
open(sys.argv[1], "wb").write(random.Random(5).randbytes(4 << 20))
PY
make_store "$T/src.img" vol 65536 >/dev/null
seg=$(find "$T/store/segments" -type f -print -quit)
[ -n "$seg" ] || fail "no segment object"
segsize=$(stat -c %s "$seg")
# Flip one byte in the middle of the frames.
$PY - "$seg" $((segsize / 2)) <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)
    f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0x40]))
PY

start_server store="$T/store" volume=vol overlay="$T/ov" readahead=0
nbdpy "$T/src.img" <<'PY'
import errno
src = open(sys.argv[1], "rb").read()
C = 65536
bad = []
for ch in range(len(src) // C):
    try:
        got = h.pread(C, ch * C)
    except nbd.Error as e:
        assert e.errno in ("EIO", errno.EIO), e
        bad.append(ch)
        continue
    assert got == src[ch * C:(ch + 1) * C], "chunk %d differs" % ch
assert len(bad) == 1, bad
ch = bad[0]
# Still EIO the second time: nothing bad was cached.
for off in (ch * C, ch * C + 4096 * 7 + 5):
    try:
        h.pread(10, off)
        raise AssertionError("read of corrupt chunk succeeded")
    except nbd.Error as e:
        assert e.errno in ("EIO", errno.EIO)
# A partial write over it needs the basis: EIO too.
try:
    h.pwrite(b"x", ch * C + 1)
    raise AssertionError("partial write succeeded")
except nbd.Error as e:
    assert e.errno in ("EIO", errno.EIO)
# A whole aligned block needs no fetch, and then reads back.
h.pwrite(b"y" * 4096, ch * C + 8192)
assert h.pread(4096, ch * C + 8192) == b"y" * 4096
open(sys.argv[1] + ".bad", "w").write(str(ch))
PY
server_alive
ch=$(cat "$T/src.img.bad")
grep -q "error: segment segments/../[0-9a-f]*: chunk $ch .*" "$T/nbdkit.log" \
  || fail "no log line naming the segment and chunk $ch"
stop_server
echo OK
