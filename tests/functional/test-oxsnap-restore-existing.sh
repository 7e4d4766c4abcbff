#!/usr/bin/env bash
# restore refuses to replace an existing non-empty file unless --force,
# leaving it untouched; an empty file is filled; a directory or a path in a
# missing directory is refused with nothing left behind.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 300000 /dev/urandom >"$T/src"
ox init "$T/store" --no-encryption
ox snapshot "$T/src" "$T/store" --volume v >/dev/null

printf 'precious\n' >"$T/target"
cp "$T/target" "$T/target.orig"
expect_fail 1 "target .*/target exists; use --force" \
  restore "$T/store" v "$T/target"
assert_same "$T/target.orig" "$T/target"
[ ! -e "$T/target.oxsnap-partial" ] || fail "partial file left"

ox restore "$T/store" v "$T/target" --force
assert_same "$T/src" "$T/target"

: >"$T/empty"
ox restore "$T/store" v "$T/empty"
assert_same "$T/src" "$T/empty"

mkdir "$T/dir"
expect_fail 1 "target .*/dir is not a regular file or a block device" \
  restore "$T/store" v "$T/dir" --force
[ -z "$(ls -A "$T/dir")" ] || fail "something was written into the directory"

expect_fail 1 "cannot create .*/nodir/out\.oxsnap-partial" \
  restore "$T/store" v "$T/nodir/out"
assert_absent "$T/nodir/out"
