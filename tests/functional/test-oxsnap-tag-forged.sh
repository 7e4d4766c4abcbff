#!/usr/bin/env bash
# Tags carry a MAC (FORMAT.md 7): in an encrypted store, someone who can
# write to the store but has no key cannot point a tag at another snapshot
# (an older one, say): a rewritten tag, a tag copied from another name, and
# a tag of the old format without a MAC are each refused by restore with a
# clear error, and `oxsnap tag` with the key makes the tag good again. In a
# plain store a tag without a MAC is still read.
source "$(dirname "$0")/oxsnap-common.sh"

k=(--key-file "$T/key")
ox init "$T/store" "${k[@]}"
head -c 300000 /dev/urandom >"$T/old"
head -c 300000 /dev/urandom >"$T/new"
old=$(ox snapshot "$T/old" "$T/store" --volume v "${k[@]}")
new=$(ox snapshot "$T/new" "$T/store" --volume v --tag prod "${k[@]}")
ox tag "$T/store" "v@$old" previous "${k[@]}"
tagf=$T/store/volumes/v/tags/prod

echo "== a tag rewritten to name the older snapshot (the format-1 text, no MAC)"
printf 'snapshot %s\n' "$old" >"$tagf"
expect_fail 1 "tag volumes/v/tags/prod .*has no MAC" restore "$T/store" v:prod "$T/out" "${k[@]}"
assert_absent "$T/out"

echo "== the MAC line kept, the id changed"
ox tag "$T/store" "v@$new" prod "${k[@]}"
sed -i "1s/.*/snapshot $old/" "$tagf"
expect_fail 1 "tag volumes/v/tags/prod .*does not authenticate" restore "$T/store" v:prod "$T/out" "${k[@]}"

echo "== another tag's object copied over it"
cp "$T/store/volumes/v/tags/previous" "$tagf"
expect_fail 1 "does not authenticate" restore "$T/store" v:prod "$T/out" "${k[@]}"
ox list "$T/store" v "${k[@]}" >"$T/list" || true
assert_grep "ignoring damaged tag v:prod" "$T/stderr"

echo "== oxsnap tag with the key repairs it"
ox tag "$T/store" "v@$new" prod "${k[@]}"
ox restore "$T/store" v:prod "$T/out" "${k[@]}"
assert_same "$T/new" "$T/out"

echo "== a plain store reads a tag without a MAC"
ox init "$T/plain" --no-encryption
id=$(ox snapshot "$T/old" "$T/plain" --volume p)
mkdir -p "$T/plain/volumes/p/tags"
printf 'snapshot %s\n' "$id" >"$T/plain/volumes/p/tags/t"
ox restore "$T/plain" p:t "$T/out2"
assert_same "$T/old" "$T/out2"
echo PASS
