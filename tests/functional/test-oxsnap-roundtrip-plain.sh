#!/usr/bin/env bash
# Round trips through an unencrypted store with chunk sizes 4K, 64K and 1M,
# small segments (many segment objects), 1 and 4 jobs, and a mixed image
# whose size is not a multiple of any chunk size.
source "$(dirname "$0")/oxsnap-common.sh"

img=$T/mixed.img
make_image "$img" $((3 * 1048576 + 4097))
put_data "$img" 0 700 /dev/urandom
text_data "$T/text" 1048576
put_data "$img" 1100 1024 "$T/text"
put_data "$img" 2500 600 /dev/urandom
dd if=/dev/urandom of="$img" bs=4097 count=1 seek=$((3 * 1048576)) \
  oflag=seek_bytes conv=notrunc status=none

ox init "$T/store" --no-encryption
n=0
for cs in 4K 64K 1M; do
  for jobs in 1 4; do
    n=$((n + 1))
    case $cs in
    4K) seg=64K shown="4.00 KiB" minsegs=10 ;;
    64K) seg=256K shown="64.00 KiB" minsegs=4 ;;
    1M) seg=2M shown="1.00 MiB" minsegs=1 ;;
    esac
    before=$(count_segments "$T/store")
    id=$(ox snapshot "$img" "$T/store" --volume "v$cs" --chunk-size "$cs" \
      --segment-size "$seg" --jobs "$jobs" --full)
    segs=$(($(count_segments "$T/store") - before))
    echo "chunk $cs, segments of $seg, $jobs jobs: $segs segments"
    [ "$segs" -ge "$minsegs" ] || fail "only $segs segments for $cs chunks"
    # No segment grows much past the threshold.
    limit=$(($(numfmt --from=iec "$seg") + $(numfmt --from=iec "$cs") + 65536))
    big=$(find "$T/store/segments" -type f -size +${limit}c | wc -l)
    [ "$big" -eq 0 ] || fail "$big segments exceed $seg"
    ox restore "$T/store" "v$cs@$id" "$T/out-$n" --jobs "$jobs"
    assert_same "$img" "$T/out-$n"
    if [ "$jobs" = 1 ]; then
      ox info "$T/store" "v$cs@$id" >"$T/info"
      assert_grep "^encrypted: +no" "$T/info"
      assert_grep "^chunk size: +$shown\$" "$T/info"
    fi
  done
done
ox verify "$T/store" --full >"$T/verify"
[ "$(grep -c ': ok$' "$T/verify")" -eq 6 ] || fail "verify did not pass 6 snapshots"

# Unencrypted, random data is stored raw: its bytes are in a segment (the
# counterpart of the check in test-oxsnap-roundtrip-keyfile.sh).
"$PYTHON" - "$img" "$T/store/segments" <<'PY' || fail "raw frame not found"
import os, sys
needle = open(sys.argv[1], "rb").read(4096)[1000:1064]
for d, _, files in os.walk(sys.argv[2]):
    for f in files:
        if needle in open(os.path.join(d, f), "rb").read():
            sys.exit(0)
sys.exit(1)
PY
