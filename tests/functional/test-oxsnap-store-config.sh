#!/usr/bin/env bash
# The store configuration object ox-store: a newer format version is
# refused as such (also with a valid checksum), and a flipped, truncated,
# missing or garbage ox-store is a clear error; init never overwrites one.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 100000 /dev/urandom >"$T/src"
new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/orig"
ox snapshot "$T/src" "$T/orig" --volume v >/dev/null
size=$(stat -c %s "$T/orig/ox-store")

fresh () {
  rm -rf "$T/s"
  cp -a "$T/orig" "$T/s"
}

# Version 2 with the checksum recomputed: the version check itself.
fresh
"$PYTHON" - "$T/s/ox-store" <<'PY'
import hashlib, struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", d, 8, 2)
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(sys.argv[1], "wb").write(d)
PY
expect_fail 1 "ox-store .*unknown format version 2" list "$T/s"
expect_fail 1 "unknown format version 2" restore "$T/s" v "$T/out"
assert_absent "$T/out"

# Hostile fields behind a valid checksum: slot counts and types, flags.
# Layout: magic 8, version 4, flags 4, store_id 16, nslots 4 (offset 32),
# then 112-byte slots (type at +0), then the checksum.
for f in "32:<I:0xffffffff" "32:<I:0" "32:<I:2" "12:<I:3" "12:<I:0" "36:<B:9"; do
  fresh
  "$PYTHON" - "$T/s/ox-store" "$f" <<'PY'
import hashlib, struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
off, fmt, val = sys.argv[2].split(":")
struct.pack_into(fmt, d, int(off), int(val, 0))
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(sys.argv[1], "wb").write(d)
PY
  echo "== ox-store forged $f"
  expect_fail 1 "ox-store|store .*$T/s|slot" restore "$T/s" v "$T/out"
  assert_absent "$T/out"
done

# Version 2 without fixing the checksum: still a clear error.
fresh
flip_byte "$T/s/ox-store" 8 0x03
expect_fail 1 "ox-store" verify "$T/s"

for c in flipped truncated missing garbage empty; do
  fresh
  case $c in
  flipped) flip_byte "$T/s/ox-store" $((size - 40)) 0x10 ;;
  truncated) truncate -s $((size - 1)) "$T/s/ox-store" ;;
  missing) rm "$T/s/ox-store" ;;
  garbage) head -c "$size" /dev/urandom >"$T/s/ox-store" ;;
  empty) : >"$T/s/ox-store" ;;
  esac
  echo "== ox-store $c"
  expect_fail 1 "ox-store|not an ox store|no store" restore "$T/s" v "$T/out"
  assert_absent "$T/out"
done

# init refuses an existing store and leaves it alone.
cp "$T/orig/ox-store" "$T/ox-store.before"
expect_fail nonzero "already exists" init "$T/orig"
assert_same "$T/ox-store.before" "$T/orig/ox-store"
ox restore "$T/orig" v "$T/out"
assert_same "$T/src" "$T/out"
