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
# Rename the root to an id 1000 s ahead (its content names the old id, so
# only the listing sees it; enough to steer the writer's choice).
future=$(printf '%016x' $(((0x$first >> 24) + 1000 << 24 | 0x123456)))
mkdir -p "$T/skew/volumes/v/snapshots"
cp "$T/skew/volumes/v/snapshots/$first" "$T/skew/volumes/v/snapshots/$future"
for i in 1 2 3; do
  next=$(ox snapshot "$T/x" "$T/skew" --volume v -q --full)
  [ $((0x$next >> 24)) -eq $(((0x$future >> 24) + 1)) ] ||
    fail "id $next after $future: time part is not the next second"
  [[ $next > $future ]] || fail "id $next is not after $future"
  [ $((0x$next)) -ne $((0x$future + 1)) ] || fail "id $next is newest+1"
  future=$next
done
