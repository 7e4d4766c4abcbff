#!/usr/bin/env bash
# A truncated segment (cut in its frames, in its index, or to nothing) is
# found by the structural verify. Restore, which reads frames with ranged
# reads, fails naming it and leaves no target when frames are cut; when
# only the trailer is cut it may restore, but only the exact bytes.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((600 * 1024)) /dev/urandom >"$T/src"
ox init "$T/orig" --no-encryption
ox snapshot "$T/src" "$T/orig" --volume v --chunk-size 64K >/dev/null
seg=$(first_segment "$T/orig")
size=$(stat -c %s "$T/orig/$seg")
idx=$(read_le "$T/orig/$seg" $((size - 64 + 8)) 8)

for cut in $((size / 2)) $((size - 1)) 0; do
  rm -rf "$T/s"
  cp -a "$T/orig" "$T/s"
  truncate -s "$cut" "$T/s/$seg"
  expect_fail 1 "segment $seg" verify "$T/s"
  assert_grep "^v@[0-9a-f]{16}: DAMAGED\$" "$T/stdout"
  expect_fail 1 "segments?( |/).*$seg|$seg" verify "$T/s" --full
  if [ "$cut" -lt "$idx" ]; then
    expect_fail 1 "$seg" restore "$T/s" v "$T/out"
    assert_absent "$T/out"
  else
    ox restore "$T/s" v "$T/out" || true
    if [ -e "$T/out" ]; then
      assert_same "$T/src" "$T/out"
      rm "$T/out"
    fi
    assert_absent "$T/out"
  fi
done
