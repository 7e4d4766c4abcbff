#!/usr/bin/env bash
# A damaged tag object is an error naming it when it is used, and does not
# hide the volume's intact snapshots: restore by id and by volume still
# work, and list and info still show the snapshots (reporting the bad tag).
source "$(dirname "$0")/oxsnap-common.sh"

head -c 100000 /dev/urandom >"$T/src"
ox init "$T/store" --no-encryption
id=$(ox snapshot "$T/src" "$T/store" --volume v --tag good)
ox tag "$T/store" "v@$id" bad
printf 'garbage\n' >"$T/store/volumes/v/tags/bad"

expect_fail 1 "tag volumes/v/tags/bad .*invalid content" \
  restore "$T/store" v:bad "$T/out"
assert_absent "$T/out"
ox restore "$T/store" "v@$id" "$T/out"
assert_same "$T/src" "$T/out"
ox restore "$T/store" v:good "$T/out2"
assert_same "$T/src" "$T/out2"

ox list "$T/store" v >"$T/list" || true
assert_grep "tags/bad" "$T/stderr"
assert_grep "^$id " "$T/list"
ox info "$T/store" "v@$id" >"$T/info" || true
assert_grep "^snapshot: +$id\$" "$T/info"
