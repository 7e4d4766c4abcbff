#!/usr/bin/env bash
# A flipped byte anywhere in a segment's header, index (trailer) or footer
# makes the structural verify fail naming the segment; restore, which reads
# frames directly, either fails cleanly or restores the exact bytes.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((256 * 1024)) /dev/urandom >"$T/src"
new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/orig"
ox snapshot "$T/src" "$T/orig" --volume vol --chunk-size 64K >/dev/null
seg=$(first_segment "$T/orig")
size=$(stat -c %s "$T/orig/$seg")
idx=$(read_le "$T/orig/$seg" $((size - 64 + 8)) 8)
nframes=$(read_le "$T/orig/$seg" $((size - 64 + 16)) 4)
nrefs=$(read_le "$T/orig/$seg" $((size - 64 + 20)) 4)
if [ "$nframes" -ne 4 ] || [ "$nrefs" -ne 4 ]; then
  fail "expected 4 frames and 4 refs, found $nframes and $nrefs"
fi
[ $((idx + 48 * nframes + 40 * nrefs + 64)) -eq "$size" ] ||
  fail "index and footer do not end the segment"
refs=$((idx + 48 * nframes))
foot=$((size - 64))

# One byte in each field. Header: magic, store id, segment id, snapshot
# id, name_len, reserved, name. Index: frame entry 0 (chunk id, offset,
# length, plain_len, reserved), the last frame entry, ref entries (chunk
# index, chunk id). Footer: magic, index_offset, nframes, nrefs, index_len,
# reserved, index_mac, footer_check. Restore is tried on the first of each.
offsets="r0 8 24 40 48 51 56
  r$idx $((idx + 32)) $((idx + 40)) $((idx + 44)) $((idx + 3 * 48 + 33))
  r$refs $((refs + 3 * 40 + 39))
  r$foot $((foot + 8)) $((foot + 16)) $((foot + 24)) $((foot + 32)) $((foot + 63))"
for o in $offsets; do
  off=${o#r}
  rm -rf "$T/s"
  cp -a "$T/orig" "$T/s"
  flip_byte "$T/s/$seg" "$off" 0x20
  expect_fail 1 "segment $seg" verify "$T/s" vol
  assert_grep "^vol@[0-9a-f]{16}: DAMAGED\$" "$T/stdout"
  [ "$o" != "$off" ] || continue
  rc=0
  ox restore "$T/s" vol "$T/out" -q || rc=$?
  if [ $rc -eq 0 ]; then
    assert_same "$T/src" "$T/out"
    rm -f "$T/out"
  else
    assert_absent "$T/out"
  fi
  echo "offset $off: verify failed, restore exit $rc"
done
