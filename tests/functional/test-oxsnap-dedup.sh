#!/usr/bin/env bash
# An image whose two halves are identical stores each chunk once: half the
# chunks are deduplicated and the segments hold about half the data.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((2 * 1048576)) /dev/urandom >"$T/half"
cat "$T/half" "$T/half" >"$T/img"
new_key "$T/key"
ox init "$T/store" --key-file "$T/key"
ox snapshot "$T/img" "$T/store" --volume d --chunk-size 64K --jobs 4 \
  --key-file "$T/key" >/dev/null
assert_grep '64 chunks \(64 with data, 32 deduplicated\)' "$T/stderr"

ox info "$T/store" d --key-file "$T/key" >"$T/info"
assert_grep '^chunks: +64 \(64 with data, 0 zero\)' "$T/info"
assert_grep '^new chunks: +32 \(32 deduplicated\)' "$T/info"
assert_grep '^stored: +2\.0[0-9] MiB' "$T/info"
stored=$(du -sb "$T/store/segments" | cut -f1)
echo "segments hold $stored bytes"
[ "$stored" -lt $((2 * 1048576 + 65536)) ] || fail "segments hold $stored bytes"

ox restore "$T/store" d "$T/out" --key-file "$T/key"
assert_same "$T/img" "$T/out"
ox verify "$T/store" --full --key-file "$T/key"
