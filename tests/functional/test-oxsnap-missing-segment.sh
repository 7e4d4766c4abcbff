#!/usr/bin/env bash
# A missing segment: verify says which one is missing, restore fails naming
# it and the chunk that needed it, and leaves no target.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((600 * 1024)) /dev/urandom >"$T/src"
new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/store"
id=$(ox snapshot "$T/src" "$T/store" --volume v --chunk-size 64K \
  --segment-size 256K)
[ "$(count_segments "$T/store")" -ge 3 ] || fail "expected several segments"
seg=$(first_segment "$T/store")
rm "$T/store/$seg"

expect_fail 1 "segment $seg is missing" verify "$T/store"
assert_grep "^v@$id: DAMAGED\$" "$T/stdout"
expect_fail 1 "segment $seg" verify "$T/store" --full
expect_fail 1 "segment $seg: not found .*needed for chunk [0-9]+ of snapshot v@$id" \
  restore "$T/store" v "$T/out"
assert_absent "$T/out"
