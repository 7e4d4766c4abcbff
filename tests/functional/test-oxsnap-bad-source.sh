#!/usr/bin/env bash
# An unreadable snapshot source (missing, a directory, an empty file, a
# character device) is a clear error naming it, and nothing is published.
source "$(dirname "$0")/oxsnap-common.sh"

ox init "$T/store" --no-encryption
mkdir "$T/dir"
: >"$T/empty"
printf data >"$T/data"
expect_fail 1 "cannot open source .*/missing: No such file or directory" \
  snapshot "$T/missing" "$T/store" --volume v
expect_fail 1 "source .*/dir is not a block device or a regular file" \
  snapshot "$T/dir" "$T/store" --volume v
expect_fail 1 "source .*/empty is empty" \
  snapshot "$T/empty" "$T/store" --volume v
expect_fail 1 "source /dev/null is not a block device or a regular file" \
  snapshot /dev/null "$T/store" --volume v
expect_fail 1 "store directory .*/nostore does not exist" \
  snapshot "$T/data" "$T/nostore" --volume v
[ -z "$(ls "$T/store/volumes" 2>/dev/null)" ] || fail "a snapshot was published"
[ "$(count_segments "$T/store")" -eq 0 ] || fail "segments were written"
