#!/usr/bin/env bash
# oxsnap list, info and verify --json: one JSON document on stdout (parsed
# by Python's json), whose values match what is known: volume names, the
# snapshot ids printed by snapshot, tags, sizes, chunk counts of an image
# built for them, stored bytes (the same in list and info), verify's counts
# and ok; a damaged frame makes verify --full --json say ok: false and exit
# 1; other commands refuse --json. Without --json the text is unchanged.
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
export OX_KEY_FILE=$T/key
s=$T/store
ox init "$s"
# 32 chunks of 64K: 0..7 random, 8 a copy of 0 (deduplicated), the rest
# zero (sparse).
head -c $((8 * 65536)) /dev/urandom >"$T/data"
make_image "$T/img" $((32 * 65536))
put_data "$T/img" 0 512 "$T/data"
put_data "$T/img" 512 64 "$T/data"
a1=$(ox snapshot "$T/img" "$s" --volume alpha --chunk-size 64K)
sleep 1.1 # snapshot ids are ordered by seconds
a2=$(ox snapshot "$T/img" "$s" --volume alpha --chunk-size 64K --tag good)
ox tag "$s" alpha@"$a2" best
b1=$(ox snapshot "$T/img" "$s" --volume beta --chunk-size 64K --full)

json () { # json FILE PYTHON-EXPRESSION-OF-d: print its value
  $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
expect () { # expect FILE EXPR WANT
  local got
  got=$(json "$1" "$2") || fail "$1 is not JSON: $(cat "$1")"
  [ "$got" = "$3" ] || fail "$2 is '$got', expected '$3' in $(cat "$1")"
}

ox list "$s" --json >"$T/list.json"
expect "$T/list.json" '[v["name"] for v in d["volumes"]]' "['alpha', 'beta']"
expect "$T/list.json" '[v["snapshots"] for v in d["volumes"]]' "[2, 1]"
expect "$T/list.json" '[v["newest"] for v in d["volumes"]]' "['$a2', '$b1']"
expect "$T/list.json" 'len(d)' 1
ox list "$s" >"$T/list.txt"
assert_grep '^VOLUME +SNAPSHOTS' "$T/list.txt"

ox list "$s" alpha --json >"$T/snaps.json"
expect "$T/snaps.json" 'd["volume"]' alpha
expect "$T/snaps.json" '[x["id"] for x in d["snapshots"]]' "['$a1', '$a2']"
expect "$T/snaps.json" '[sorted(x["tags"]) for x in d["snapshots"]]' \
  "[[], ['best', 'good']]"
expect "$T/snaps.json" '{x["size"] for x in d["snapshots"]}' "{$((32 * 65536))}"
expect "$T/snaps.json" \
  'all(isinstance(x["stored_bytes"], int) and isinstance(x["created_unix"], int) for x in d["snapshots"])' True
expect "$T/snaps.json" \
  'all(__import__("time").strftime("%Y-%m-%dT%H:%M:%SZ", __import__("time").gmtime(x["created_unix"])) == x["created"] for x in d["snapshots"])' True

ox info "$s" alpha:good --json >"$T/info.json"
expect "$T/info.json" 'd["volume"], d["snapshot"], d["tags"] == ["best", "good"] or d["tags"] == ["good", "best"]' \
  "('alpha', '$a2', True)"
expect "$T/info.json" 'd["size"], d["chunk_size"], d["chunks"]' \
  "($((32 * 65536)), 65536, 32)"
expect "$T/info.json" 'd["data_chunks"], d["zero_chunks"], d["data_bytes"]' \
  "(9, 23, $((9 * 65536)))"
expect "$T/info.json" 'd["encrypted"], d["manifest_pages"] >= 1' "(True, True)"
ox info "$s" beta --json >"$T/info-b.json"
expect "$T/info-b.json" 'd["snapshot"], d["parent"]' "('$b1', None)"
# beta's one snapshot stored 8 new chunks (chunk 8 is a copy of chunk 0).
expect "$T/info-b.json" 'd["new_chunks"], d["deduplicated_chunks"]' "(8, 1)"
expect "$T/info-b.json" \
  'abs(d["ratio"] - d["data_bytes"] / d["stored_bytes"]) < 1e-9' True
# list and info agree on what each snapshot stored.
stored=$(json "$T/info.json" 'd["stored_bytes"]')
expect "$T/snaps.json" 'd["snapshots"][1]["stored_bytes"]' "$stored"
ox info "$s" alpha:good >"$T/info.txt"
assert_grep "^snapshot: +$a2\$" "$T/info.txt"

ox verify "$s" --json >"$T/verify.json"
expect "$T/verify.json" '[(x["volume"], x["id"], x["ok"]) for x in d["snapshots"]]' \
  "[('alpha', '$a1', True), ('alpha', '$a2', True), ('beta', '$b1', True)]"
expect "$T/verify.json" 'd["snapshots_checked"], d["chunks_checked"], d["problems"]' \
  "(3, 27, 0)"
expect "$T/verify.json" 'd["full"], d["complete"], d["ok"]' "(False, True, True)"
ox verify "$s" beta --full --json >"$T/verify1.json"
expect "$T/verify1.json" 'd["full"], d["snapshots_checked"], d["chunks_checked"], d["ok"]' \
  "(True, 1, 9, True)"

# Damage: a flipped byte in a frame of a one-snapshot store.
unset OX_KEY_FILE
d=$T/damaged
ox init "$d" --no-encryption
head -c $((4 * 65536)) /dev/urandom >"$T/rand"
c1=$(ox snapshot "$T/rand" "$d" --volume v --chunk-size 64K --jobs 1)
seg=$(first_segment "$d")
read -r off len < <(frame_location "$d/$seg" 2)
flip_byte "$d/$seg" $((off + len / 2)) 0x10
rc=0
ox verify "$d" --full --json >"$T/bad.json" || rc=$?
[ "$rc" -eq 1 ] || fail "verify --full --json of a damaged store exited $rc"
expect "$T/bad.json" '[(x["id"], x["ok"]) for x in d["snapshots"]]' "[('$c1', False)]"
expect "$T/bad.json" 'd["problems"] >= 1, d["complete"], d["ok"]' "(True, True, False)"
# A snapshot that cannot be resolved: a document that is not ok.
rc=0
ox verify "$d" nosuch --json >"$T/none.json" || rc=$?
[ "$rc" -eq 1 ] || fail "verify of a missing volume exited $rc"
expect "$T/none.json" 'd["snapshots"], d["complete"], d["ok"]' "([], False, False)"
# Commands without JSON output refuse --json (before doing anything).
expect_fail 2 "--json applies to verify, list, info, status, diff, forget, gc, key, not to snapshot" \
  snapshot "$T/rand" "$d" --volume w --json
expect_fail 2 "not to tag" tag "$d" v t --json
ox list "$d" --json >"$T/after.json"
expect "$T/after.json" '[v["name"] for v in d["volumes"]]' "['v']"
echo OK
