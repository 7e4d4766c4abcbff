#!/usr/bin/env bash
# Two snapshots of one volume started at the same instant (issue 9) must
# both be published under different ids, and neither root may replace the
# other: 20 rounds on file://, every snapshot listed and restored to its
# own source, verify --full clean. Also the id rule: a snapshot taken
# while the volume's newest id lies in the future (another host's clock)
# gets a time part after it, with random low bits (never newest + 1).
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/concurrent-lib.sh"

ox init "$T/store" --no-encryption
concurrent_rounds "$T/store" 20

echo "== a newest id in the future: the next id is after it, not newest+1"
ox init "$T/skew" --no-encryption
printf 'x' >"$T/x"
first=$(ox snapshot "$T/x" "$T/skew" --volume v -q)
# Copy the root to an id 1000 s ahead, as another host with its clock ahead
# would have written it: the snapshot_id field (offset 16, little-endian)
# rewritten and the MAC (in an unencrypted store the SHA-256 of the bytes
# before it) recomputed, so that it is an authentic root.
future=$(printf '%016x' $(((0x$first >> 24) + 1000 << 24 | 0x123456)))
head -c -32 "$T/skew/volumes/v/snapshots/$first" >"$T/body"
printf "$(printf '%s' "$future" | sed 's/../&\n/g' | tac | tr -d '\n' |
  sed 's/../\\x&/g')" | dd of="$T/body" bs=1 seek=16 conv=notrunc status=none
{ cat "$T/body"; openssl dgst -sha256 -binary "$T/body"; } \
  >"$T/skew/volumes/v/snapshots/$future"
for i in 1 2 3; do
  next=$(ox snapshot "$T/x" "$T/skew" --volume v -q --full)
  [ $((0x$next >> 24)) -eq $(((0x$future >> 24) + 1)) ] ||
    fail "id $next after $future: time part is not the next second"
  [[ $next > $future ]] || fail "id $next is not after $future"
  [ $((0x$next)) -ne $((0x$future + 1)) ] || fail "id $next is newest+1"
  future=$next
done
