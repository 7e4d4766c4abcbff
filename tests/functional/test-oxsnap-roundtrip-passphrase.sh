#!/usr/bin/env bash
# Round trip through a passphrase-encrypted store of compressible data (a
# tar of header files) with 64K chunks and 4 jobs: restore equals the
# source, and the store holds less than the data.
source "$(dirname "$0")/oxsnap-common.sh"

img=$T/include.tar
tar -cf - -C /usr include 2>/dev/null | head -c $((4 * 1048576 + 777)) \
  >"$img" || true
size=$(stat -c %s "$img")
[ "$size" -gt 1048576 ] || fail "could not make a tar image ($size bytes)"
printf 'correct horse battery staple\n' >"$T/pass"

ox init "$T/store" --passphrase-file "$T/pass"
id=$(ox snapshot "$img" "file://$T/store" --volume docs --chunk-size 64K \
  --jobs 4 --compress-level 3 --passphrase-file "$T/pass")
ox restore "file://$T/store" "docs@$id" "$T/out" --jobs 4 \
  --passphrase-file "$T/pass"
assert_same "$img" "$T/out"

ox info "$T/store" docs --passphrase-file "$T/pass" >"$T/info"
assert_grep '^chunk size: +64\.00 KiB' "$T/info"
assert_grep '^encrypted: +yes' "$T/info"
ratio=$(sed -n 's/^ratio: *\([0-9.]*\)x$/\1/p' "$T/info")
echo "compression ratio: $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r > 1.5) }' ||
  fail "compressible data stored with ratio '$ratio'"

# The segments on disk really are smaller than the data.
stored=$(du -sk --apparent-size "$T/store/segments" | cut -f1)
[ "$stored" -lt $((size * 2 / 3 / 1024)) ] ||
  fail "segments hold $stored KiB for $((size / 1024)) KiB of text"
