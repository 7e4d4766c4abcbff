#!/usr/bin/env bash
# nbdkit-ox-plugin: writes (aligned, unaligned, spanning chunks), zero,
# trim, FUA, flush and cache, checked byte for byte against a model, also
# after a restart; aligned 4 KiB writes never fetch from the basis.
source "$(dirname "$0")/plugin-lib.sh"

SIZE=$((8 * 1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null

# 1. Aligned 4 KiB writes into chunks never read: no fetch at all.
start_server store="$T/store" volume=vol overlay="$T/ov1"
nbdpy <<'PY'
for i in range(64):
    h.pwrite(bytes([i + 1]) * 4096, i * 65536 + 8192)
h.pwrite(b"\x55" * 3 * 65536, 5 * 1024 * 1024)   # whole chunks
h.flush()
for i in range(64):
    assert h.pread(4096, i * 65536 + 8192) == bytes([i + 1]) * 4096
assert h.pread(3 * 65536, 5 * 1024 * 1024) == b"\x55" * 3 * 65536
PY
stop_server
[ "$(stat_of fetches)" -eq 0 ] || fail "aligned writes fetched $(stat_of fetches) chunks"

# 2. A model-checked mix of requests over two connections.
start_server store="$T/store" volume=vol overlay="$T/ov2"
nbdpy "$T/src.img" "$T/model.img" <<'PY'
import random
model = bytearray(open(sys.argv[1], "rb").read())
size = len(model)
r = random.Random(7)
h2 = nbd.NBD()
h2.connect_uri(sys.argv[0])
assert h.can_multi_conn() and h.can_fua() and h.can_cache()

def check(off, n, who=h):
    got = who.pread(n, off)
    assert got == model[off:off + n], "mismatch at %d+%d" % (off, n)

def write(off, data, flags=0):
    h.pwrite(data, off, flags)
    model[off:off + len(data)] = data

# Unaligned and small writes into blocks that are not local yet.
write(1, b"a")
write(4095, b"bc")
write(65536 - 3, b"spanning two chunks")
write(3 * 65536 + 100, r.randbytes(3 * 65536))          # spans 4 chunks
write(10 * 65536 + 4096, r.randbytes(4096 * 5 + 7))    # aligned start
write(20 * 65536 - 7, r.randbytes(7))                  # ends aligned
check(0, 30 * 65536)

# Partial writes to blocks that are local now.
write(2, b"XY")
write(3 * 65536 + 4000, b"Z" * 200)
check(0, 8 * 65536)

# Zero and trim: whole blocks become holes, edges are rewritten.
h.zero(3 * 4096, 40 * 65536 + 17)
model[40 * 65536 + 17:40 * 65536 + 17 + 3 * 4096] = bytes(3 * 4096)
h.zero(65536 * 2, 50 * 65536, nbd.CMD_FLAG_NO_HOLE)
model[50 * 65536:52 * 65536] = bytes(65536 * 2)
h.trim(65536 * 4, 60 * 65536 + 1000)
model[60 * 65536 + 1000:64 * 65536 + 1000] = bytes(65536 * 4)
h.zero(100, 70 * 65536 + 5)
model[70 * 65536 + 5:70 * 65536 + 105] = bytes(100)
check(38 * 65536, 40 * 65536)
# Zero the whole last chunk, then write inside it again.
h.zero(65536, size - 65536)
model[size - 65536:] = bytes(65536)
write(size - 5000, b"tail" * 100)
check(size - 2 * 65536, 2 * 65536)

# FUA writes; cache; multi-conn: a flush on one connection, read on both.
write(80 * 65536 + 512, r.randbytes(9000), nbd.CMD_FLAG_FUA)
h.zero(8192, 81 * 65536, nbd.CMD_FLAG_FUA)
model[81 * 65536:81 * 65536 + 8192] = bytes(8192)
h.cache(16 * 65536, 90 * 65536)
check(90 * 65536, 16 * 65536)
h2.pwrite(b"from h2" * 100, 100 * 65536 + 3)
model[100 * 65536 + 3:100 * 65536 + 703] = b"from h2" * 100
h2.flush()
check(100 * 65536, 65536, h)
check(100 * 65536, 65536, h2)

# Random requests, checking as we go.
for i in range(400):
    off = r.randrange(size)
    n = min(r.choice([1, 100, 4096, 5000, 65536, 200000]), size - off)
    op = r.random()
    if op < 0.6:
        write(off, r.randbytes(n), nbd.CMD_FLAG_FUA if op < 0.05 else 0)
    elif op < 0.75:
        h.zero(n, off)
        model[off:off + n] = bytes(n)
    elif op < 0.85:
        h.trim(n, off)
        model[off:off + n] = bytes(n)
    else:
        check(off, n, h if op < 0.93 else h2)
    if i % 50 == 0:
        h.flush()
h.flush()
check(0, size)
h2.shutdown()
open(sys.argv[2], "wb").write(model)
PY
stop_server

# 3. Everything persists across a restart (volume= omitted).
start_server store="$T/store" overlay="$T/ov2"
timeout 60 nbdcopy "$URI" "$T/after.img"
cmp "$T/model.img" "$T/after.img" || fail "clone differs from the model after restart"
stop_server
echo OK
