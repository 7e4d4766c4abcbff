#!/usr/bin/env bash
# Rollback detection (DESIGN.md "Rollback detection", FORMAT.md 7.1 and 12)
# on an encrypted file:// store: three snapshots; the newest root deleted by
# hand makes restore VOL fail naming both ids; --allow-rollback restores the
# older one and lowers the mark; oxsnap forget writes a forget record, after
# which restore VOL works; an old copy of the whole store put back is
# refused; a forged forget record (wrong MAC) is refused. A clone of VOL
# (nbdkit-ox-plugin) fails to open with the error in its log.
source "$(dirname "$0")/oxsnap-common.sh"

new_key "$T/key"
chmod 600 "$T/key"
export OX_KEY_FILE="$T/key"
S="$T/store"
ox init "$S" -q
make_image "$T/img" $((256 * 1024))
ids=()
for i in 0 1 2; do
  put_data "$T/img" $((i * 64)) 64 /dev/urandom
  cp "$T/img" "$T/img$i"
  ids+=("$(ox snapshot "$T/img" "$S" --volume v --chunk-size 64K -q)")
done
cp -a "$S" "$T/store-old" # a copy holding ids 0..2
ls "$OX_STATE_DIR" | grep -qE '^[0-9a-f]{32}$' || fail "no state file"
assert_grep "^v ${ids[2]}\$" "$OX_STATE_DIR"/*[0-9a-f]

echo "== the newest root deleted by hand: refused"
rm "$S/volumes/v/snapshots/${ids[2]}"
expect_fail 1 "volume v .*rollback detected.*${ids[1]}.*${ids[2]}.*--allow-rollback" \
  restore "$S" v "$T/r"
assert_absent "$T/r"
expect_fail 1 "rollback detected" info "$S" v
PLUGIN="$OX_BUILD/plugin/nbdkit-ox-plugin.so"
if command -v nbdkit >/dev/null && [ -f "$PLUGIN" ] \
  && [ "${OX_SANITIZE:-0}" != 1 ]; then
  echo "== a clone of v fails to open, with a log line"
  rc=0
  timeout 60 nbdkit -f -U - "$PLUGIN" store="$S" volume=v overlay="$T/ov" key-file="$T/key" \
    --run true 2>"$T/nbdkit.log" || rc=$?
  [ "$rc" -ne 0 ] || fail "nbdkit served a rolled-back volume"
  assert_grep "volume v .*rollback detected.*${ids[2]}" "$T/nbdkit.log"
fi
echo "== --allow-rollback restores the older one and lowers the mark"
ox restore "$S" v "$T/r" --allow-rollback -q
assert_same "$T/img1" "$T/r"
assert_grep "rollback allowed" "$T/stderr"
assert_grep "^v ${ids[1]}\$" "$OX_STATE_DIR"/*[0-9a-f]
rm "$T/r"

echo "== a fourth snapshot, then forget it with oxsnap: no complaint"
# A second later: ids have a second's resolution, and the root deleted by
# hand (whose rollback was allowed) left no record to order them after it.
sleep 1
put_data "$T/img" 0 64 /dev/urandom
id3=$(ox snapshot "$T/img" "$S" --volume v -q)
assert_grep "^v $id3\$" "$OX_STATE_DIR"/*[0-9a-f]
ox forget "$S" "v@$id3" -q
[ -f "$S/volumes/v/forgotten/$id3" ] || fail "no forget record"
assert_grep "^before ${ids[1]}\$" "$S/volumes/v/forgotten/$id3"
ox restore "$S" v "$T/r" -q
assert_same "$T/img1" "$T/r"
grep -q rollback "$T/stderr" && fail "a warning after forget"
rm "$T/r"
echo "== gc keeps the forget record"
ox gc "$S" --grace 0 -q
[ -f "$S/volumes/v/forgotten/$id3" ] || fail "gc removed the forget record"

echo "== the mark followed the forget record down: restore took ${ids[1]}"
assert_grep "^v ${ids[1]}\$" "$OX_STATE_DIR"/*[0-9a-f]

echo "== an old copy of the whole store put back: refused"
put_data "$T/img" 0 64 /dev/urandom
id4=$(ox snapshot "$T/img" "$S" --volume v -q)
assert_grep "^v $id4\$" "$OX_STATE_DIR"/*[0-9a-f]
rm -rf "$S"
cp -a "$T/store-old" "$S" # newest: ${ids[2]}, below the mark, no record
expect_fail 1 "rollback detected.*$id4" restore "$S" v "$T/r"
assert_absent "$T/r"

echo "== a forged forget record (wrong MAC): refused"
mkdir -p "$S/volumes/v/forgotten"
{ echo "before ${ids[2]}"; printf 'mac %064d\n' 0; } >"$S/volumes/v/forgotten/$id4"
expect_fail 1 "forget record .* does not authenticate" restore "$S" v "$T/r"
assert_grep "rollback detected" "$T/stderr"
assert_absent "$T/r"
echo PASS
