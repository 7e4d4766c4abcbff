#!/usr/bin/env bash
# Snapshot roots that are garbage, truncated, flipped, or (in an
# unencrypted store, whose MAC is a plain SHA-256 anyone can recompute)
# forged with hostile fields: every command fails naming the root, and
# restore writes nothing.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 300000 /dev/urandom >"$T/src"
new_key "$T/key"

# check_root_error STORE_DIR REGEX [KEYOPTS...]: verify fails with a clear
# error naming the root at volumes/v/snapshots/ID and matching REGEX. With
# ALL_COMMANDS=1, so do restore (leaving nothing), info and list.
check_root_error () {
  local s="$1" re="$2" k=("${@:3}") root
  root="volumes/v/snapshots/[0-9a-f]{16}: .*$re"
  expect_fail 1 "snapshot root $root" verify "$s" "${k[@]}"
  if [ "${ALL_COMMANDS:-0}" = 1 ]; then
    expect_fail 1 "snapshot root $root" restore "$s" v "$T/out" "${k[@]}"
    assert_absent "$T/out"
    expect_fail 1 "snapshot root $root" verify "$s" v --full "${k[@]}"
    expect_fail 1 "snapshot root $root" info "$s" v "${k[@]}"
    expect_fail 1 "snapshot root $root" list "$s" v "${k[@]}"
  fi
}

# Encrypted store: garbage, truncated, flipped, empty, another root.
ox init "$T/enc" --key-file "$T/key"
ox snapshot "$T/src" "$T/enc" --volume v --key-file "$T/key" >/dev/null
ox snapshot "$T/src" "$T/enc" --volume w --key-file "$T/key" >/dev/null
root=$(cd "$T/enc" && echo volumes/v/snapshots/*)
rsize=$(stat -c %s "$T/enc/$root")

cases="garbage truncated-tail truncated-head flipped empty other-volume"
for c in $cases; do
  rm -rf "$T/s"
  cp -a "$T/enc" "$T/s"
  case $c in
  garbage) head -c "$rsize" /dev/urandom >"$T/s/$root"; re="authentication failed" ;;
  truncated-tail) truncate -s $((rsize - 1)) "$T/s/$root"; re="authentication failed" ;;
  truncated-head) truncate -s 100 "$T/s/$root"; re="too short \(100 bytes" ;;
  flipped) flip_byte "$T/s/$root" 44 0x01; re="authentication failed" ;;
  empty) : >"$T/s/$root"; re="too short \(0 bytes" ;;
  other-volume) cp "$T/s"/volumes/w/snapshots/* "$T/s/$root"; re="belongs to volume w" ;;
  esac
  echo "== root $c"
  ALL_COMMANDS=$([ "$c" = garbage ] && echo 1 || echo 0) \
    check_root_error "$T/s" "$re" --key-file "$T/key"
done

# Unencrypted store: forged fields with a recomputed MAC.
ox init "$T/plain" --no-encryption
ox snapshot "$T/src" "$T/plain" --volume v --chunk-size 64K >/dev/null
root=$(cd "$T/plain" && echo volumes/v/snapshots/*)

# forge FILE FIELD=EXPR...: set root fields (EXPR may use `cur`), re-MAC.
forge () {
  "$PYTHON" - "$@" <<'PY'
import hashlib, struct, sys
fields = {"snapshot_id": (16, "<Q"), "volume_size": (40, "<Q"),
          "chunk_size": (48, "<I"), "chunks_per_page": (52, "<I"),
          "npages": (56, "<I"), "name_len": (60, "<H"), "flags": (12, "<I"),
          "version": (8, "<I"), "reserved": (100, "<I"),
          "parent_len": (62, "<H"), "reused": (88, "<Q")}
path = sys.argv[1]
d = bytearray(open(path, "rb").read())
for a in sys.argv[2:]:
    name, expr = a.split("=", 1)
    off, fmt = fields[name]
    cur = struct.unpack_from(fmt, d, off)[0]
    struct.pack_into(fmt, d, off, eval(expr, {"cur": cur}))
d[-32:] = hashlib.sha256(bytes(d[:-32])).digest()
open(path, "wb").write(d)
PY
}

while IFS='|' read -r fields re; do
  [ -n "$fields" ] || continue
  rm -rf "$T/s"
  cp -a "$T/plain" "$T/s"
  # shellcheck disable=SC2086
  forge "$T/s/$root" $fields
  echo "== forged $fields"
  ALL_COMMANDS=$([ "$fields" = chunk_size=1000 ] && echo 1 || echo 0) \
    check_root_error "$T/s" "$re"
done <<'EOF_CASES'
chunk_size=1000|invalid chunk size 1000
chunk_size=2**31|invalid chunk size 2147483648
npages=0|invalid length
npages=2**32-1|invalid length
name_len=0xffff|invalid length
name_len=0|invalid length
chunks_per_page=0|pages of 0 chunks do not match
volume_size=2**64-1|do not match a volume of 18446744073709551615 bytes
volume_size=2**58 chunks_per_page=2**32-1|do not match a volume
snapshot_id=cur+1|holds snapshot
snapshot_id=0|snapshot id is zero
version=3|unknown format version 3
version=0|unknown format version 0
flags=1|reserved fields are not zero
reserved=1|reserved fields are not zero
version=1 reused=1|reserved fields are not zero
reused=2**63|chunk counts are inconsistent
parent_len=5|invalid length
EOF_CASES

# Forged sizes that keep the page count: the chunks no longer match their
# frames (or the root's chunk counts), so verify and restore fail naming the
# chunk or the root; never wrong bytes.
for vs in 'cur-1' 'cur+60000' 'cur-300000+1'; do
  rm -rf "$T/s"
  cp -a "$T/plain" "$T/s"
  forge "$T/s/$root" "volume_size=$vs"
  echo "== forged volume_size=$vs"
  expect_fail 1 "chunk [0-9]+|chunk counts are inconsistent" verify "$T/s"
  expect_fail 1 "chunk [0-9]+|page .* entries|chunk counts" restore "$T/s" v "$T/out"
  assert_absent "$T/out"
done
