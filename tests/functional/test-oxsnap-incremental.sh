#!/usr/bin/env bash
# Incremental snapshots on file:// (FORMAT.md 6.2, oxsnap(1) snapshot): a
# chain of six with writes, zeroes, a trim, growth and shrinking, each
# restoring to its own source and storing only what changed; store-wide
# dedup across volumes; --full; a parent of another volume (a golden
# image) recorded in the root; parents that cannot be used, refused; a
# child whose parent's segment is gone fails verify and restore, naming it.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/incremental-lib.sh"

new_key "$T/key"
chmod 600 "$T/key"
K=(--key-file "$T/key")
ox init "$T/store" "${K[@]}"
incremental_chain "$T/store" "${K[@]}"

echo "== a golden image as the parent of another volume"
ox init "$T/gs" --no-encryption
head -c $((4 * 1048576)) /dev/urandom >"$T/gold"
gold=$(ox snapshot "$T/gold" "$T/gs" --volume gold --chunk-size 128K)
cp "$T/gold" "$T/vm1"
put_data "$T/vm1" 1000 10 /dev/urandom
vm1=$(ox snapshot "$T/vm1" "$T/gs" --volume vm1 --parent gold)
assert_grep "; incremental from gold@$gold, 31 chunks stored before\$" "$T/stderr"
ox info "$T/gs" vm1 >"$T/info"
assert_grep "^parent: +gold@$gold\$" "$T/info"
assert_grep '^chunk size: +128\.00 KiB$' "$T/info"
assert_grep '^new chunks: +1 \(0 deduplicated, 31 stored before\)$' "$T/info"
[ "$(info_field "$T/gs" vm1 'd["parent_volume"], d["chunk_size"]')" = \
  "('gold', 131072)" ] || fail "vm1's parent volume"
ox restore "$T/gs" vm1 "$T/out"
assert_same "$T/vm1" "$T/out"
rm -f "$T/out"
# A tag names the parent too.
ox tag "$T/gs" "gold@$gold" base
ox snapshot "$T/vm1" "$T/gs" --volume vm2 --parent gold:base -q >/dev/null

echo "== parents that cannot be used are refused, nothing published"
expect_fail 1 'no snapshots' snapshot "$T/vm1" "$T/gs" --volume vm3 --parent nosuch
expect_fail 1 "snapshot gold@0000000000000001 not found" snapshot "$T/vm1" "$T/gs" --volume vm3 \
  --parent gold@0000000000000001
expect_fail 1 "--chunk-size 65536 differs from the parent's \(gold: 131072 bytes\)" \
  snapshot "$T/vm1" "$T/gs" --volume vm3 --parent gold --chunk-size 64K
expect_fail 2 '--full and --parent exclude each other' \
  snapshot "$T/vm1" "$T/gs" --volume vm3 --parent gold --full
[ ! -e "$T/gs/volumes/vm3/snapshots" ] || fail "a refused snapshot published"
# A parent whose root does not authenticate (another store's key).
cp -r "$T/gs" "$T/gs2"
printf 'junk' >>"$T/gs2/volumes/gold/snapshots/$gold"
expect_fail 1 'authentication failed|invalid length' \
  snapshot "$T/vm1" "$T/gs2" --volume vm3 --parent gold

echo "== a child whose parent's frames are gone fails loudly"
# The one segment whose header names volume gold.
mapfile -t segs < <(cd "$T/gs" && grep -rla gold segments)
[ "${#segs[@]}" -eq 1 ] || fail "${#segs[@]} segments of gold, not 1"
seg=${segs[0]}
rm -f "$T/gs/$seg"
expect_fail 1 "$(basename "$seg")" verify "$T/gs" vm1
expect_fail 1 "$(basename "$seg")" restore "$T/gs" vm1 "$T/out"
assert_absent "$T/out"
