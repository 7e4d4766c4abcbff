#!/usr/bin/env bash
# Round trip through an encrypted (key file) store of an image with holes,
# zero runs written as data, random and text data, and a size that is not
# a multiple of the chunk size. The restored file equals the source and
# keeps ZERO chunks as holes.
source "$(dirname "$0")/oxsnap-common.sh"

img=$T/disk.img
make_image "$img" $((5 * 1048576 + 12345))
put_data "$img" 0 256 /dev/urandom          # chunk 0
put_data "$img" 1024 2048 /dev/urandom      # chunks 4-11
put_data "$img" 1536 512 /dev/zero          # chunks 6-7: allocated zeros
put_data "$img" 2100 100 /dev/zero          # zeros inside chunk 8
text_data "$T/text" 1048576
put_data "$img" 3072 1024 "$T/text"         # chunks 12-15: text
# The last, short chunk (20) ends in 12345 bytes of random data.
dd if=/dev/urandom of="$img" bs=12345 count=1 seek=$((5 * 1048576)) \
  oflag=seek_bytes conv=notrunc status=none
[ "$(stat -c %s "$img")" -eq $((5 * 1048576 + 12345)) ] || fail "bad image size"

ox init "$T/store" --key-file "$T/key"
[ "$(stat -c %s "$T/key")" -eq 32 ] || fail "key file is not 32 bytes"
[ "$(stat -c %a "$T/key")" = 600 ] || fail "key file mode is not 0600"
id=$(ox snapshot "$img" "$T/store" --volume disk --key-file "$T/key")
[[ $id =~ ^[0-9a-f]{16}$ ]] || fail "snapshot printed '$id', not an id"

ox info "$T/store" disk --key-file "$T/key" >"$T/info"
assert_grep "^snapshot: +$id\$" "$T/info"
assert_grep "^chunks: +21 \(12 with data, 9 zero\)" "$T/info"
assert_grep "^encrypted: +yes" "$T/info"

ox restore "$T/store" disk "$T/out.img" --key-file "$T/key"
assert_same "$img" "$T/out.img"
assert_absent "$T/out.img.oxsnap-partial"

# 12 data chunks (2.8 MiB + the tail) are allocated; the ZERO chunks,
# including the two written as zeros in the source, are holes.
used=$(du -k "$T/out.img" | cut -f1)
src=$(du -k "$img" | cut -f1)
echo "allocated KiB: source $src, restored $used"
[ "$used" -le 2900 ] || fail "restored image is not sparse ($used KiB used)"
[ "$used" -lt "$src" ] || fail "explicit zero chunks were not made holes"

ox verify "$T/store" --full --key-file "$T/key" >"$T/verify"
assert_grep "^disk@$id: ok\$" "$T/verify"

# Random data is stored raw when compression does not help: encrypted, its
# bytes are nowhere in the segments (an unencrypted store would hold them).
"$PYTHON" - "$img" "$T/store/segments" <<'PY' || fail "plaintext found in a segment"
import os, sys
needle = open(sys.argv[1], "rb").read(4096)[1000:1064]
for d, _, files in os.walk(sys.argv[2]):
    for f in files:
        if needle in open(os.path.join(d, f), "rb").read():
            sys.exit(1)
PY
