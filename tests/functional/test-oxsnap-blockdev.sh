#!/usr/bin/env bash
# Block devices (loop devices; skipped where losetup cannot attach one):
# snapshot from a device; restore onto a device that held other data
# writes ZERO chunks as zeros and leaves bytes past the volume alone; a
# device too small is refused before anything is written.
source "$(dirname "$0")/oxsnap-common.sh"

# attach VAR FILE: set VAR to a new loop device for FILE, or skip the test.
attach () {
  local dev
  if ! dev=$(losetup -f --show -- "$2" 2>"$T/losetup.err"); then
    cat "$T/losetup.err" >&2
    echo "SKIP: losetup cannot attach a loop device here" >&2
    exit 77
  fi
  on_exit "losetup -d $dev"
  printf -v "$1" '%s' "$dev"
}
command -v losetup >/dev/null || { echo "SKIP: no losetup"; exit 77; }
srcdev='' dev5='' dev2=''

# A 4 MiB source with holes, data, and zero chunks.
make_image "$T/src" $((4 * 1048576))
put_data "$T/src" 0 300 /dev/urandom
put_data "$T/src" 2048 1024 /dev/urandom
put_data "$T/src" 2304 256 /dev/zero
ox init "$T/store" --no-encryption

# Snapshot from a device.
attach srcdev "$T/src"
ox snapshot "$srcdev" "$T/store" --volume blk >/dev/null
ox info "$T/store" blk >"$T/info"
assert_grep '^size: .*\(4194304 bytes\)' "$T/info"
assert_grep '^chunks: +16 \(5 with data, 11 zero\)' "$T/info"

# Restore onto a 5 MiB device full of 0xff.
(head -c $((5 * 1048576)) /dev/zero | tr '\0' '\377') >"$T/dev5" || true
attach dev5 "$T/dev5"
ox restore "$T/store" blk "$dev5"
cmp -n $((4 * 1048576)) "$dev5" "$T/src" || fail "device does not hold the volume"
tail -c 1048576 "$dev5" | tr -d '\377' | head -c 1 >"$T/tail" || true
[ ! -s "$T/tail" ] || fail "bytes past the volume were changed"

# A device too small: refused, untouched.
(head -c $((2 * 1048576)) /dev/zero | tr '\0' '\252') >"$T/dev2" || true
cp "$T/dev2" "$T/dev2.orig"
attach dev2 "$T/dev2"
expect_fail 1 "target $dev2 is too small: 2097152 bytes, the snapshot needs 4194304" \
  restore "$T/store" blk "$dev2"
cmp "$dev2" "$T/dev2.orig" || fail "a too-small device was written"
