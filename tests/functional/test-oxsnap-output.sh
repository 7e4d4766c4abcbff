#!/usr/bin/env bash
# What oxsnap prints: snapshot prints only the id on stdout; a summary on
# stderr unless --quiet; a progress line only with --progress (stderr is
# not a terminal here), and --no-progress turns it off again.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((1048576 + 100)) /dev/urandom >"$T/src"
ox init "$T/store" --no-encryption -q
[ ! -s "$T/stderr" ] || fail "init --quiet printed on stderr"

ox snapshot "$T/src" "$T/store" --volume v >"$T/out"
if [ "$(wc -l <"$T/out")" -ne 1 ] || ! grep -qxE '[0-9a-f]{16}' "$T/out"; then
  fail "snapshot stdout is not just the id"
fi
id=$(cat "$T/out")
assert_grep "^oxsnap: snapshot v@$id: 1\.00 MiB volume, 5 chunks \(5 with data, 0 deduplicated\)" "$T/stderr"
! grep -q $'\r' "$T/stderr" || fail "progress shown on a non-terminal"

ox snapshot "$T/src" "$T/store" --volume v -q >/dev/null
[ ! -s "$T/stderr" ] || fail "snapshot --quiet printed on stderr"

ox restore "$T/store" "v@$id" "$T/r1" --progress -q
tr '\r' '\n' <"$T/stderr" >"$T/progress"
assert_grep "^restore: 1\.00 MiB / 1\.00 MiB \(100%\)" "$T/progress"
ox restore "$T/store" "v@$id" "$T/r2" --progress --no-progress -q
[ ! -s "$T/stderr" ] || fail "--no-progress did not win"
ox restore "$T/store" "v@$id" "$T/r3"
assert_grep "^oxsnap: restored v@$id \(1\.00 MiB\) to .*/r3 in " "$T/stderr"
assert_same "$T/src" "$T/r3"
