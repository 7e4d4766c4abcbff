#!/usr/bin/env bash
# Frames that are intact but in the wrong place never give wrong bytes:
# two same-length frames swapped inside a segment (encrypted: the AEAD binds
# the frame to its chunk id; unencrypted: the chunk id check catches it),
# and a segment copied from another encrypted store.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((512 * 1024)) /dev/urandom >"$T/src"
new_key "$T/key"
new_key "$T/key2"

# swap_frames SEGMENT A B: exchange frames A and B (same length).
swap_frames () {
  local seg="$1" oa la ob lb
  read -r oa la < <(frame_location "$seg" "$2")
  read -r ob lb < <(frame_location "$seg" "$3")
  [ "$la" -eq "$lb" ] || fail "frames $2 and $3 differ in length"
  dd if="$seg" of="$T/fa" bs=64K skip="$oa" count="$la" status=none \
    iflag=skip_bytes,count_bytes
  dd if="$seg" of="$T/fb" bs=64K skip="$ob" count="$lb" status=none \
    iflag=skip_bytes,count_bytes
  dd if="$T/fb" of="$seg" bs=64K seek="$oa" conv=notrunc status=none \
    oflag=seek_bytes
  dd if="$T/fa" of="$seg" bs=64K seek="$ob" conv=notrunc status=none \
    oflag=seek_bytes
}

for kind in encrypted plain; do
  s=$T/store-$kind
  if [ $kind = encrypted ]; then
    keyopt=(--key-file "$T/key")
  else
    keyopt=(--no-encryption)
  fi
  ox init "$s" "${keyopt[@]}"
  [ $kind = encrypted ] || keyopt=()
  ox snapshot "$T/src" "$s" --volume v --chunk-size 64K "${keyopt[@]}" \
    >/dev/null
  seg=$(first_segment "$s")
  swap_frames "$s/$seg" 2 5
  expect_fail 1 "segment $seg: chunk (2|5) " verify "$s" --full "${keyopt[@]}"
  expect_fail 1 "segment $seg: chunk (2|5) " restore "$s" v "$T/out" \
    "${keyopt[@]}"
  assert_absent "$T/out"
done

# A store's segment, copied into another store under the same key and
# name, does not decode there.
ox init "$T/a" --key-file "$T/key"
ox init "$T/b" --key-file "$T/key2"
ox snapshot "$T/src" "$T/a" --volume v --key-file "$T/key" >/dev/null
ox snapshot "$T/src" "$T/b" --volume v --key-file "$T/key2" >/dev/null
sa=$(first_segment "$T/a")
sb=$(first_segment "$T/b")
cp "$T/a/$sa" "$T/b/$sb"
expect_fail 1 "segment $sb" verify "$T/b" --key-file "$T/key2"
expect_fail 1 "segment $sb" restore "$T/b" v "$T/out" --key-file "$T/key2"
assert_absent "$T/out"
