#!/usr/bin/env bash
# Selecting snapshots: VOLUME (the newest: greatest id), VOLUME@ID,
# VOLUME:TAG; snapshot --tag, the tag command (also moving a tag), and what
# list and info print about volumes, ids and tags.
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
k=(--key-file "$T/key")
ox init "$T/store" "${k[@]}"
head -c 200000 /dev/urandom >"$T/a"
head -c 300000 /dev/urandom >"$T/b"
head -c 100000 /dev/urandom >"$T/c"
a=$(ox snapshot "$T/a" "$T/store" --volume vol --tag first "${k[@]}")
b=$(ox snapshot "$T/b" "$T/store" --volume vol "${k[@]}")
c=$(ox snapshot "$T/c" "$T/store" --volume other.vol_2 "${k[@]}")
[ "$a" != "$b" ] || fail "two snapshots got the same id"

# VOLUME alone is the snapshot with the greatest id.
if [[ $a > $b ]]; then newest=a; else newest=b; fi
ox restore "$T/store" vol "$T/r-newest" "${k[@]}"
assert_same "$T/$newest" "$T/r-newest"
ox restore "$T/store" "vol@$a" "$T/r-a" "${k[@]}"
assert_same "$T/a" "$T/r-a"
ox restore "$T/store" "vol@$b" "$T/r-b" "${k[@]}"
assert_same "$T/b" "$T/r-b"
ox restore "$T/store" vol:first "$T/r-first" "${k[@]}"
assert_same "$T/a" "$T/r-first"
ox restore "file://$T/store" other.vol_2 "$T/r-c" "${k[@]}"
assert_same "$T/c" "$T/r-c"

# tag: name b, then move "first" to b.
ox tag "$T/store" "vol@$b" second "${k[@]}"
assert_grep "tagged vol@$b as vol:second" "$T/stderr"
ox restore "$T/store" vol:second "$T/r-second" "${k[@]}"
assert_same "$T/b" "$T/r-second"
ox tag "$T/store" vol:second first "${k[@]}"
ox restore "$T/store" vol:first "$T/r-moved" "${k[@]}"
assert_same "$T/b" "$T/r-moved"
[ "$(head -1 "$T/store/volumes/vol/tags/first")" = "snapshot $b" ] &&
  grep -qxE "mac [0-9a-f]{64}" "$T/store/volumes/vol/tags/first" &&
  [ "$(wc -l <"$T/store/volumes/vol/tags/first")" = 2 ] ||
  fail "tag object does not follow FORMAT.md section 7"

# list: volumes, then the snapshots of one volume with their tags.
ox list "$T/store" "${k[@]}" >"$T/list"
assert_grep "^VOLUME +SNAPSHOTS +NEWEST" "$T/list"
assert_grep "^vol +2 +$(if [ $newest = a ]; then echo "$a"; else echo "$b"; fi) " "$T/list"
assert_grep "^other\.vol_2 +1 +$c " "$T/list"
ox list "$T/store" vol "${k[@]}" >"$T/list-vol"
assert_grep "^$a .* 195\.31 KiB .* -\$" "$T/list-vol"
assert_grep "^$b .* 292\.97 KiB .* (first,second|second,first)\$" "$T/list-vol"
[ "$(grep -c '^[0-9a-f]\{16\} ' "$T/list-vol")" -eq 2 ] || fail "list shows other than 2 snapshots"

# info by id and by tag.
ox info "$T/store" "vol@$a" "${k[@]}" >"$T/info"
assert_grep "^volume: +vol\$" "$T/info"
assert_grep "^snapshot: +$a\$" "$T/info"
assert_grep "^tags: +-\$" "$T/info"
assert_grep "^size: +195\.31 KiB \(200000 bytes\)" "$T/info"
assert_grep "^created: +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\$" "$T/info"
ox info "$T/store" vol:second "${k[@]}" >"$T/info"
assert_grep "^snapshot: +$b\$" "$T/info"
assert_grep "^tags: +(first,second|second,first)\$" "$T/info"

# Selectors that name nothing.
expect_fail 1 "snapshot vol@0000000000000001 not found" \
  restore "$T/store" vol@0000000000000001 "$T/x" "${k[@]}"
expect_fail 1 "tag vol:nosuch not found" \
  info "$T/store" vol:nosuch "${k[@]}"
expect_fail 1 "volume nosuch has no snapshots" \
  restore "$T/store" nosuch "$T/x" "${k[@]}"
expect_fail 1 'invalid snapshot id "zz"' \
  info "$T/store" vol@zz "${k[@]}"
expect_fail 2 "invalid tag name 'a/b'" tag "$T/store" vol a/b "${k[@]}"
assert_absent "$T/x"
