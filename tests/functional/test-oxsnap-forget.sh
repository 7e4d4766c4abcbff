#!/usr/bin/env bash
# oxsnap forget (oxsnap(1), FORMAT.md 6.2 and 7) on an encrypted file://
# store: a chain of incremental snapshots of a small image; --dry-run
# removes nothing; an unknown id, a bare volume or an empty policy are
# refused before anything is removed; named snapshots (by id, by tag) go
# with all their tags, keep their id reservation and leave the data; a
# forgotten parent's child still restores byte for byte; --keep-last,
# --keep-tag and --keep-daily (restic's oldest rule) with --json; forgetting
# the newest; --all. Day and week buckets are tested in
# tests/unit/repo/test-retention.c (ids' times cannot be faked here).
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
chmod 600 "$T/key"
export OX_KEY_FILE="$T/key"
S="$T/store"
ox init "$S" -q

# The ids of volume $1, oldest first.
snapshot_ids () { ox list "$S" "$1" | awk 'NR > 1 { print $1 }'; }

# JSON field EXPR of the document in file $1 (as d).
jq_py () { "$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "== five snapshots, each changing one 64 KiB chunk of the last"
make_image "$T/img" $((512 * 1024))
put_data "$T/img" 0 512 /dev/urandom
ids=()
for i in 0 1 2 3 4; do
  put_data "$T/img" $((i * 64)) 64 /dev/urandom
  cp "$T/img" "$T/img$i"
  ids+=("$(ox snapshot "$T/img" "$S" --volume v --chunk-size 64K -q)")
done
mapfile -t listed < <(snapshot_ids v)
[ "${listed[*]}" = "${ids[*]}" ] || fail "list: ${listed[*]}, not ${ids[*]}"
ox tag "$S" "v@${ids[1]}" t1 -q
ox tag "$S" "v@${ids[1]}" t1b -q
ox tag "$S" "v@${ids[3]}" keepme -q
segments=$(count_segments "$S")

echo "== --dry-run shows the plan and removes nothing"
(cd "$S" && find . -type f | sort) >"$T/before"
ox forget "$S" v --keep-last 2 --dry-run >"$T/plan"
cat "$T/plan"
assert_grep "^volume v:\$" "$T/plan"
for i in 0 1 2; do
  assert_grep "^${ids[$i]}  [0-9T:+-]+  remove  -  " "$T/plan"
done
assert_grep "^${ids[1]} .* remove .* t1,t1b\$" "$T/plan"
assert_grep "^${ids[3]}  [0-9T:+-]+  keep    last  .* keepme\$" "$T/plan"
assert_grep "^${ids[4]}  [0-9T:+-]+  keep    last  " "$T/plan"
assert_grep "would keep 2, would remove 3 snapshots \(dry run" "$T/stderr"
! grep -q removed "$T/plan" || fail "a dry run removed something"
(cd "$S" && find . -type f | sort) >"$T/after"
assert_same "$T/before" "$T/after"

echo "== refused before anything is removed"
expect_fail 1 "snapshot v@0000000000000001 not found" \
  forget "$S" "v@${ids[0]}" v@0000000000000001
expect_fail 1 "tag v:nosuch not found" forget "$S" "v@${ids[0]}" v:nosuch
expect_fail 2 "name a snapshot, v@ID or v:TAG, or give a policy" forget "$S" v
expect_fail 2 "no policy given: nothing would be kept" forget "$S" v --keep-last 0
expect_fail 2 "--keep-daily: expected a number from -1" forget "$S" v --keep-daily -2
expect_fail 2 "--keep-tag: invalid tag name" forget "$S" v --keep-tag a/b
expect_fail 2 "invalid volume name 'v@${ids[0]}'" forget "$S" "v@${ids[0]}" --keep-last 1
expect_fail 1 "volume nosuch has no snapshots" forget "$S" nosuch --keep-last 1
expect_fail 2 "needs a policy" forget "$S" --all
expect_fail 2 "usage: oxsnap forget" forget "$S"
(cd "$S" && find . -type f | sort) >"$T/after"
assert_same "$T/before" "$T/after"
# A root that does not authenticate stops a policy: its time is unknown.
cp -r "$S" "$T/s2"
printf 'junk' >>"$T/s2/volumes/v/snapshots/${ids[2]}"
(cd "$T/s2" && find . -type f | sort) >"$T/before2"
expect_fail 1 "cannot apply the policy without the time of snapshot ${ids[2]}; nothing was removed" \
  forget "$T/s2" v --keep-last 1
(cd "$T/s2" && find . -type f | sort) >"$T/after2"
assert_same "$T/before2" "$T/after2"
rm -rf "$T/s2"

echo "== forget the full snapshot by id: the child still restores"
ox forget "$S" "v@${ids[0]}" >"$T/out"
assert_grep "^snapshot v@${ids[0]} removed\$" "$T/out"
assert_grep "volume v: removed 1 snapshots and 0 tags \(space is freed by oxsnap gc\)" "$T/stderr"
[ "$(snapshot_ids v | tr '\n' ' ')" = "${ids[1]} ${ids[2]} ${ids[3]} ${ids[4]} " ] ||
  fail "list after forgetting ${ids[0]}"
expect_fail 1 "snapshot v@${ids[0]} not found" restore "$S" "v@${ids[0]}" "$T/r0"
assert_absent "$T/r0"
[ -f "$S/volumes/v/ids/${ids[0]}" ] || fail "the id reservation was removed"
[ "$(count_segments "$S")" -eq "$segments" ] || fail "forget touched segments"
[ "$(ox info "$S" "v@${ids[1]}" --json |
  "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["parent"])')" = "${ids[0]}" ] ||
  fail "the child's root changed"
ox restore "$S" "v@${ids[1]}" "$T/r1" -q
assert_same "$T/img1" "$T/r1"
ox verify "$S" "v@${ids[1]}" --full -q >/dev/null

echo "== forget by tag: every tag of the snapshot goes with it"
ox forget "$S" v:t1 >"$T/out"
assert_grep "^tag v:t1 removed\$" "$T/out"
assert_grep "^tag v:t1b removed\$" "$T/out"
assert_grep "^snapshot v@${ids[1]} removed\$" "$T/out"
assert_grep "removed 1 snapshots and 2 tags" "$T/stderr"
for t in t1 t1b; do
  [ ! -e "$S/volumes/v/tags/$t" ] || fail "tag $t of a forgotten snapshot is left"
done
expect_fail 1 "tag v:t1b not found" restore "$S" v:t1b "$T/r1b"
[ -f "$S/volumes/v/tags/keepme" ] || fail "another snapshot's tag went"
# Named twice (by id and by tag): removed once.
ox snapshot "$T/img" "$S" --volume v --tag dup -q >/dev/null
dup=$(snapshot_ids v | tail -n 1)
ox forget "$S" "v@$dup" v:dup -q >"$T/out"
[ "$(grep -c removed "$T/out")" -eq 2 ] || fail "a snapshot named twice"

echo "== a policy: --keep-last 1 and --keep-tag, as JSON"
ox forget "$S" v --keep-last 1 --keep-tag keepme --keep-tag nosuch --json \
  --dry-run >"$T/plan.json"
[ "$(jq_py "$T/plan.json" 'd["dry_run"], [(v["volume"], v["kept"], v["removed"]) for v in d["volumes"]]')" = \
  "True [('v', 2, 1)]" ] || fail "plan: $(cat "$T/plan.json")"
[ "$(jq_py "$T/plan.json" '[(s["id"], s["action"], s["reasons"], s["tags"]) for s in d["volumes"][0]["snapshots"]]')" = \
  "[('${ids[2]}', 'remove', [], []), ('${ids[3]}', 'keep', ['tag'], ['keepme']), ('${ids[4]}', 'keep', ['last'], [])]" ] ||
  fail "plan: $(cat "$T/plan.json")"
jq_py "$T/plan.json" 'd["volumes"][0]["snapshots"][0]["created"]' |
  grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' || fail "created is not UTC"
# restic's oldest rule: all in one day, a daily count left keeps the oldest.
ox forget "$S" v --keep-daily 2 --dry-run >"$T/plan"
assert_grep "^${ids[2]} .* keep    oldest-daily " "$T/plan"
assert_grep "^${ids[3]} .* remove  - " "$T/plan"
assert_grep "^${ids[4]} .* keep    daily " "$T/plan"
ox forget "$S" v --keep-last 1 --keep-tag keepme >"$T/out"
assert_grep "^snapshot v@${ids[2]} removed\$" "$T/out"
assert_grep "volume v: kept 2, removed 1 snapshots and 0 tags" "$T/stderr"
[ "$(snapshot_ids v | tr '\n' ' ')" = "${ids[3]} ${ids[4]} " ] ||
  fail "list after the policy"
for i in 3 4; do
  ox restore "$S" "v@${ids[$i]}" "$T/r$i" -q
  assert_same "$T/img$i" "$T/r$i"
done
# Nothing more to remove: the same policy removes nothing.
ox forget "$S" v --keep-last 1 --keep-tag keepme -q >"$T/out"
! grep -q removed "$T/out" || fail "a second run removed something"

echo "== forget the newest: the next newest is the newest"
ox forget "$S" "v@${ids[4]}" -q >/dev/null
ox restore "$S" v "$T/rn" -q
assert_same "$T/img3" "$T/rn"
new=$(ox snapshot "$T/img" "$S" --volume v -q)
[ "$new" != "${ids[4]}" ] || fail "a forgotten id was used again"
ox restore "$S" "v@$new" "$T/rnew" -q
assert_same "$T/img" "$T/rnew"

echo "== --all applies the policy to every volume"
for i in 0 1 2; do
  ox snapshot "$T/img$i" "$S" --volume w -q >/dev/null
done
ox forget "$S" --all --keep-last 1 >"$T/out"
assert_grep "^volume v:\$" "$T/out"
assert_grep "^volume w:\$" "$T/out"
for vol in v w; do
  [ "$(snapshot_ids $vol | wc -l)" -eq 1 ] ||
    fail "--all --keep-last 1 left more than one snapshot of $vol"
done
ox restore "$S" w "$T/rw" -q
assert_same "$T/img2" "$T/rw"
[ ! -e "$S/volumes/v/tags/keepme" ] || fail "keepme outlived its snapshot"
echo OK
