#!/usr/bin/env bash
# Holes: a sparse source is snapshotted without reading its holes, and the
# restored file keeps holes for ZERO chunks and for all-zero 4 KiB blocks
# inside data chunks, with exact bytes, also for a size that is not a
# multiple of 4 KiB (the unaligned tail bypasses direct I/O) and on a file
# system without direct I/O (tmpfs, when there is one).
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/store"

# 40 MiB + 1234 bytes: random pieces that straddle 256K chunks, a piece
# with an all-zero 4K block inside, allocated zeros, and a random tail.
img=$T/img
make_image "$img" $((40 * 1048576 + 1234))
head -c $((1024 * 1024)) /dev/urandom >"$T/rand"
put_data "$img" 250 64 "$T/rand"        # straddles chunks 0 and 1
put_data "$img" 4096 512 "$T/rand"      # 4 MiB: several chunks
dd if=/dev/zero of="$img" bs=1K seek=$((4096 + 100)) count=4 conv=notrunc \
  status=none                           # all-zero 4K block inside it
put_data "$img" 20480 256 /dev/zero     # an allocated all-zero chunk
dd if="$T/rand" of="$img" bs=1 seek=$((40 * 1048576 - 3000)) count=4234 \
  conv=notrunc status=none              # the tail, to the end of the file
[ "$(stat -c %s "$img")" -eq $((40 * 1048576 + 1234)) ] || fail "bad image"

ox snapshot "$img" "$T/store" --volume v >/dev/null
ox info "$T/store" v >"$T/info"
# Chunks with data: 0, 1, 16, 17 and the last two (159, 160).
assert_grep '^chunks: +161 \(6 with data, 155 zero\)' "$T/info"
ox restore "$T/store" v "$T/out"
assert_same "$img" "$T/out"

# Allocated: the 64K + 512K + 4234 bytes of data minus the zero block,
# rounded to blocks; never the 40 MiB.
alloc=$(du -B1 "$T/out" | cut -f1)
[ "$alloc" -le $(((64 + 512 + 16) * 1024)) ] ||
  fail "restored file has $alloc bytes allocated: holes were filled"
/usr/bin/python3 - "$T/out" <<'EOF' || fail "zero block inside a chunk was written"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
off = (4096 + 100) * 1024          # the all-zero 4K block
assert os.lseek(fd, off, os.SEEK_HOLE) == off, "not a hole"
assert os.lseek(fd, off - 4096, os.SEEK_HOLE) == off, "data before it"
EOF

# A large sparse source costs next to nothing: 8 GiB with two pieces.
make_image "$T/big" $((8 * 1024 * 1048576))
put_data "$T/big" $((3 * 1048576 + 10)) 300 "$T/rand"
put_data "$T/big" $((8 * 1048576 - 4)) 4 "$T/rand"
start=$(date +%s)
ox snapshot "$T/big" "$T/store" --volume big >/dev/null
ox restore "$T/store" big "$T/big.out"
[ $(($(date +%s) - start)) -le 20 ] || fail "8 GiB of holes took too long"
# Compared extent by extent: cmp would read 16 GiB of zeros.
/usr/bin/python3 - "$T/big" "$T/big.out" <<'EOF' || fail "big image differs"
import os, sys
def extents(fd, size):
    out, pos = [], 0
    while pos < size:
        try:
            d = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            break
        h = os.lseek(fd, d, os.SEEK_HOLE)
        out.append((d, h))
        pos = h
    return out
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
size = os.fstat(a).st_size
assert os.fstat(b).st_size == size, "size differs"
for d, h in extents(a, size) + extents(b, size):
    assert os.pread(a, h - d, d) == os.pread(b, h - d, d), "bytes differ"
EOF
[ "$(du -B1 "$T/big.out" | cut -f1)" -le $((400 * 1024)) ] ||
  fail "restored big image is not sparse"

# tmpfs (no direct I/O on older kernels): store and target there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  shm=$(mktemp -d /dev/shm/oxsnap-test.XXXXXX)
  on_exit "rm -rf '$shm'"
  ox init "$shm/store"
  ox snapshot "$img" "$shm/store" --volume v --segment-size 2M >/dev/null
  ox restore "$shm/store" v "$shm/out"
  assert_same "$img" "$shm/out"
fi
ox verify "$T/store" --full >/dev/null
