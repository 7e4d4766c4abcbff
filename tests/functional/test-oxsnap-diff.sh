#!/usr/bin/env bash
# oxsnap diff (like rbd diff): the byte ranges where snapshot B differs
# from A, from the manifests alone: written chunks as data, zeroed and
# trimmed ones as zero, growth, shrinking (the changed last chunk), the
# reverse direction, two volumes, --json, identical snapshots (nothing),
# and other chunk sizes refused. No data is read: it works with every
# segment removed.
source "$(dirname "$0")/oxsnap-common.sh"

K=65536
ox init "$T/s" --no-encryption
make_image "$T/img" $((16 * K))
put_data "$T/img" 0 1024 /dev/urandom
a=$(ox snapshot "$T/img" "$T/s" --volume v --chunk-size 64K)

# Chunks 2-3 rewritten (data), 6 zeroed and 7 trimmed (zero), 9 rewritten
# in part (data), then grown by two chunks and 100 bytes of data.
put_data "$T/img" 128 128 /dev/urandom
put_data "$T/img" 384 64 /dev/zero
fallocate -p -o $((7 * K)) -l $K "$T/img"
put_data "$T/img" 580 4 /dev/urandom
truncate -s $((18 * K + 100)) "$T/img"
put_data "$T/img" 1088 64 /dev/urandom
b=$(ox snapshot "$T/img" "$T/s" --volume v)

ox diff "$T/s" "v@$a" "v@$b" >"$T/diff"
cat "$T/diff"
cat >"$T/want" <<END
$((2 * K)) $((2 * K)) data
$((6 * K)) $((2 * K)) zero
$((9 * K)) $K data
$((17 * K)) $K data
END
assert_same "$T/want" "$T/diff"
assert_grep "^oxsnap: v@$a -> v@$b: 4 extents, $((6 * K)) bytes differ\$" "$T/stderr"
# The 100 bytes past 18 chunks are zero in B, as A beyond its end: same.

echo "== --json"
ox diff "$T/s" "v@$a" "v@$b" --json >"$T/diff.json"
"$PYTHON" - "$T/diff.json" "$a" "$b" <<'END'
import json, sys
d = json.load(open(sys.argv[1]))
K = 65536
assert d["from"] == {"volume": "v", "snapshot": sys.argv[2], "size": 16 * K}, d["from"]
assert d["to"] == {"volume": "v", "snapshot": sys.argv[3], "size": 18 * K + 100}, d["to"]
assert d["chunk_size"] == K
assert [(e["offset"], e["length"], e["type"]) for e in d["extents"]] == [
    (2 * K, 2 * K, "data"), (6 * K, 2 * K, "zero"), (9 * K, K, "data"),
    (17 * K, K, "data")], d["extents"]
assert d["extents_count"] == 4 and d["changed_bytes"] == 6 * K
END

echo "== the other way: B's data where it was zero, the old last chunk"
ox diff "$T/s" "v@$b" "v@$a" >"$T/rdiff"
cat >"$T/want" <<END
$((2 * K)) $((2 * K)) data
$((6 * K)) $((2 * K)) data
$((9 * K)) $K data
END
assert_same "$T/want" "$T/rdiff"

echo "== the same snapshot, another volume of the same image, -q"
ox diff "$T/s" "v@$b" "v@$b" -q >"$T/same"
[ ! -s "$T/same" ] && [ ! -s "$T/stderr" ] || fail "diff of one snapshot"
ox snapshot "$T/img" "$T/s" --volume w --chunk-size 64K -q >/dev/null
ox diff "$T/s" v w >"$T/vw"
[ ! -s "$T/vw" ] || fail "two volumes of one image differ"

echo "== manifests only: no segment is read"
cp -r "$T/s" "$T/nodata"
rm -rf "$T/nodata/segments"
ox diff "$T/nodata" "v@$a" "v@$b" >"$T/diff2"
assert_same "$T/diff" "$T/diff2"

echo "== refused: other chunk sizes, a missing snapshot, usage"
ox snapshot "$T/img" "$T/s" --volume c4 --chunk-size 4K -q >/dev/null
expect_fail 1 "diff: v has chunks of 65536 bytes and c4 of 4096; manifests of other chunk sizes cannot be compared" \
  diff "$T/s" v c4
expect_fail 1 'volume nosuch has no snapshots' diff "$T/s" v nosuch
expect_fail 2 'usage: oxsnap diff STORE' diff "$T/s" v
