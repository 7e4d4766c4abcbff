#!/usr/bin/env bash
# nbdkit-ox-plugin: an overlay on a full file system: writes fail with
# ENOSPC and corrupt nothing (flushed data stays, failed blocks read as
# before), reads still return the right bytes without copy-on-read, and
# writes work again once trims free space.
source "$(dirname "$0")/plugin-lib.sh"
requires mount umount
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to mount a small tmpfs"; exit 77; }
mkdir "$T/small"
mount -t tmpfs -o size=3m tmpfs "$T/small" 2>/dev/null \
  || { echo "SKIP: cannot mount tmpfs"; exit 77; }
on_exit 'umount "$T/small"'

SIZE=$((16 * 1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null
start_server store="$T/store" volume=vol overlay="$T/small/ov" readahead=0

nbdpy "$T/src.img" <<'PY'
import random
src = bytearray(open(sys.argv[1], "rb").read())
model = bytearray(src)
M = 1 << 20
r = random.Random(1)
# 1 MiB of flushed writes fits.
a = r.randbytes(M)
h.pwrite(a, 0)
model[0:M] = a
h.flush()
# Fill the file system; some write fails with ENOSPC.
failed_at = None
for i in range(1, 15):
    data = r.randbytes(M)
    try:
        h.pwrite(data, i * M)
        model[i * M:(i + 1) * M] = data
    except nbd.Error as e:
        assert e.errno in ("ENOSPC", 28), e
        failed_at = i
        break
assert failed_at is not None, "the overlay never filled up"
# A failed block reads as new data (written before the error) or as the
# source, per 4 KiB block; never anything else.
got = h.pread(M, failed_at * M)
for b in range(0, M, 4096):
    blk = got[b:b + 4096]
    assert blk == data[b:b + 4096] or blk == src[failed_at * M + b:][:4096], b
model[failed_at * M:(failed_at + 1) * M] = got
# Reads of chunks not yet local still work (copy-in fails quietly).
assert h.pread(M, 15 * M) == src[15 * M:]
# The flush fails or succeeds, but flushed data is intact.
try:
    h.flush()
except nbd.Error:
    pass
assert h.pread(M, 0) == model[0:M]
# Trimming frees space; writing works again.
h.trim(8 * M, 1 * M)
model[M:9 * M] = bytes(8 * M)
b = r.randbytes(M)
h.pwrite(b, 12 * M)
model[12 * M:13 * M] = b
h.flush()
assert h.pread(len(model), 0) == model
open(sys.argv[1] + ".model", "wb").write(model)
PY
server_alive
stop_server
# After a restart the overlay holds exactly the model.
start_server store="$T/store" overlay="$T/small/ov"
timeout 60 nbdcopy "$URI" "$T/after.img"
cmp "$T/src.img.model" "$T/after.img" || fail "overlay corrupted"
stop_server
echo OK
