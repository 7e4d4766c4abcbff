#!/usr/bin/env bash
# The smallest images: 1 byte (data, and a zero byte), and one byte more
# than a chunk. Restore gives exactly the source size and bytes.
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/store"

printf 'x' >"$T/one"
printf '\0' >"$T/zero"
{ head -c 4096 /dev/urandom; printf 'y'; } >"$T/page-plus-one" # the last chunk is never all zeros
for f in one zero page-plus-one; do
  ox snapshot "$T/$f" "$T/store" --volume "$f" --chunk-size 4K >/dev/null
  ox restore "$T/store" "$f" "$T/$f.out"
  [ "$(stat -c %s "$T/$f.out")" -eq "$(stat -c %s "$T/$f")" ] ||
    fail "$f restored with the wrong size"
  assert_same "$T/$f" "$T/$f.out"
done
ox info "$T/store" one >"$T/info"
assert_grep '^size: .*\(1 bytes\)' "$T/info"
assert_grep '^chunks: +1 \(1 with data, 0 zero\)' "$T/info"
ox info "$T/store" zero >"$T/info"
assert_grep '^chunks: +1 \(0 with data, 1 zero\)' "$T/info"
ox info "$T/store" page-plus-one >"$T/info"
assert_grep '^chunks: +2 \(2 with data, 0 zero\)' "$T/info"
ox verify "$T/store" --full
