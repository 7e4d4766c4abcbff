#!/usr/bin/env bash
# Conformance with docs/FORMAT.md: an independent reader written from the
# spec (oxsnap-reader.py) checks every object of unencrypted snapshots and
# reads the volumes back byte for byte, across chunk sizes, several
# segments and manifest pages, zero chunks and deduplicated chunks; and
# incremental snapshots (version 2 roots): a child of its volume's newest,
# whose entries name its parent's frames, and another volume's snapshot of
# the same image that stores nothing, with a parent of another volume.
source "$(dirname "$0")/oxsnap-common.sh"
command -v zstd >/dev/null || { echo "SKIP: no zstd command"; exit 77; }

# 17 MiB + 333 bytes: with 4K chunks, 4353 chunks, so two manifest pages.
make_image "$T/img" $((17 * 1048576 + 333))
put_data "$T/img" 0 512 /dev/urandom
text_data "$T/text" 1048576
put_data "$T/img" 1024 1024 "$T/text"
put_data "$T/img" 2048 256 /dev/zero
dd if="$T/img" of="$T/img" bs=4K skip=0 seek=640 count=64 conv=notrunc \
  status=none # a copy of the first 256K: deduplicated chunks
dd if=/dev/urandom of="$T/img" bs=5000 count=1 seek=$((17 * 1048576 - 4667)) \
  oflag=seek_bytes conv=notrunc status=none # across the last two chunks
for cs in 4K 64K; do
  ox init "$T/store-$cs" --no-encryption
  id=$(ox snapshot "$T/img" "$T/store-$cs" --volume "f$cs" --chunk-size "$cs" \
    --segment-size 256K)
  "$PYTHON" "$OX_FUNC_DIR/oxsnap-reader.py" "$T/store-$cs" "f$cs" "$id" \
    "$T/out-$cs" || fail "the spec reader rejected the $cs snapshot"
  assert_same "$T/img" "$T/out-$cs"
done
ox info "$T/store-4K" f4K >"$T/info"
assert_grep '^manifest pages: +2$' "$T/info"
dedup=$(sed -n 's/^new chunks: .*(\([0-9]*\) deduplicated)$/\1/p' "$T/info")
[ "${dedup:-0}" -ge 64 ] || fail "expected at least 64 deduplicated chunks"

echo "== incremental: a child whose entries name its parent's frames"
cp "$T/img" "$T/img2"
put_data "$T/img2" 3000 300 /dev/urandom
child=$(ox snapshot "$T/img2" "$T/store-64K" --volume f64K --segment-size 256K)
"$PYTHON" "$OX_FUNC_DIR/oxsnap-reader.py" "$T/store-64K" f64K "$child" \
  "$T/out-child" | tee "$T/reader" || fail "the spec reader rejected the child"
assert_same "$T/img2" "$T/out-child"
assert_grep ' [1-9][0-9]* reused\)' "$T/reader"
echo "== another volume, parent of another volume: nothing stored"
other=$(ox snapshot "$T/img2" "$T/store-64K" --volume g --parent f64K)
"$PYTHON" "$OX_FUNC_DIR/oxsnap-reader.py" "$T/store-64K" g "$other" \
  "$T/out-other" | tee "$T/reader" || fail "the spec reader rejected volume g"
assert_same "$T/img2" "$T/out-other"
assert_grep ', 0 frames, ' "$T/reader"
