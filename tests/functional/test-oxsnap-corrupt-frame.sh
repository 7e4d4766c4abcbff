#!/usr/bin/env bash
# One flipped bit in a frame's data, in an encrypted and in an unencrypted
# store: verify --full and restore fail naming the segment and the chunk;
# restore leaves no target (and an existing target untouched).
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((1048576 + 5000)) /dev/urandom >"$T/src"
new_key "$T/key"

for kind in encrypted plain; do
  s=$T/store-$kind
  if [ $kind = encrypted ]; then
    export OX_KEY_FILE=$T/key
    ox init "$s"
  else
    unset OX_KEY_FILE
    ox init "$s" --no-encryption
  fi
  # Random data, no dedup: frame N holds chunk N.
  ox snapshot "$T/src" "$s" --volume v --chunk-size 64K --jobs 2 >/dev/null
  seg=$(first_segment "$s")
  read -r off len < <(frame_location "$s/$seg" 3)
  echo "$kind: chunk 3 is a frame of $len bytes at $off in $seg"
  flip_byte "$s/$seg" $((off + len / 2)) 0x04

  # The structure is intact; only decoding finds the damage.
  ox verify "$s" || echo "(structural verify found it too)"
  expect_fail 1 "segment $seg: chunk 3 \(frame at offset $off, $len bytes\)" \
    verify "$s" --full
  assert_grep "^v@[0-9a-f]{16}: DAMAGED\$" "$T/stdout"
  assert_grep "PROBLEMS FOUND" "$T/stderr"

  expect_fail 1 "segment $seg: chunk 3 " restore "$s" v "$T/out"
  assert_grep "restore failed; .*/out was not written" "$T/stderr"
  assert_absent "$T/out"

  printf 'keep me\n' >"$T/existing"
  expect_fail 1 "segment $seg: chunk 3 " \
    restore "$s" v "$T/existing" --force --jobs 1
  [ "$(cat "$T/existing")" = "keep me" ] || fail "existing target was changed"
  [ ! -e "$T/existing.oxsnap-partial" ] || fail "partial file left"
done
