#!/bin/bash
# ox: rollback detection (DESIGN.md "Rollback detection") on s3:// against a
# real S3 server: the newest root deleted from the bucket makes restore VOL
# fail naming both ids, and a clone of VOL fail to open; --allow-rollback
# restores the older snapshot's bytes; an old copy of the whole store put
# back over the bucket (every object replaced, newer ones deleted) is
# refused; a host without marks (another state directory) accepts it, as
# documented.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"

s3_server_start
s3_new_bucket oxroll
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/store
OLD=s3://$bucket/store-old
S3T="$OX_BUILD/tests/test-s3store"

new_key "$T/key"
chmod 600 "$T/key"
export OX_KEY_FILE="$T/key"
ox init "$S" -q
make_image "$T/img" $((256 * 1024))
ids=()
for i in 0 1 2; do
  put_data "$T/img" $((i * 64)) 64 /dev/urandom
  cp "$T/img" "$T/img$i"
  ids+=("$(ox snapshot "$T/img" "$S" --volume v --chunk-size 64K -q)")
done
"$S3T" mirror "$S" "$OLD" >/dev/null || die "mirror to $OLD"
assert_grep "^v ${ids[2]}\$" "$OX_STATE_DIR"/*[0-9a-f]

echo "== the newest root deleted from the bucket: refused"
"$S3T" del "$S" "volumes/v/snapshots/${ids[2]}" || die "del"
expect_fail 1 "volume v .*rollback detected.*${ids[1]}.*${ids[2]}.*--allow-rollback" \
  restore "$S" v "$T/r"
assert_absent "$T/r"
PLUGIN="$OX_BUILD/plugin/nbdkit-ox-plugin.so"
if command -v nbdkit >/dev/null && [ -f "$PLUGIN" ] \
  && [ "${OX_SANITIZE:-0}" != 1 ]; then
  echo "== a clone of v fails to open, with a log line"
  rc=0
  timeout 60 nbdkit -f -U - "$PLUGIN" store="$S" volume=v overlay="$T/ov" \
    key-file="$T/key" --run true 2>"$T/nbdkit.log" || rc=$?
  [ "$rc" -ne 0 ] || fail "nbdkit served a rolled-back volume"
  assert_grep "volume v .*rollback detected.*${ids[2]}" "$T/nbdkit.log"
fi

echo "== --allow-rollback restores the older one and lowers the mark"
ox restore "$S" v "$T/r" --allow-rollback -q
assert_same "$T/img1" "$T/r"
assert_grep "rollback allowed" "$T/stderr"
assert_grep "^v ${ids[1]}\$" "$OX_STATE_DIR"/*[0-9a-f]
rm "$T/r"

echo "== a newer snapshot, then the old copy of the store put back: refused"
sleep 1 # ids have a second's resolution
put_data "$T/img" 0 64 /dev/urandom
id3=$(ox snapshot "$T/img" "$S" --volume v -q)
assert_grep "^v $id3\$" "$OX_STATE_DIR"/*[0-9a-f]
"$S3T" mirror "$OLD" "$S" >/dev/null || die "mirror back"
"$S3T" get "$S" "volumes/v/snapshots/$id3" >/dev/null 2>&1 &&
  die "the mirror left the newer root"
expect_fail 1 "rollback detected.*$id3" restore "$S" v "$T/r"
assert_absent "$T/r"
expect_fail 1 "rollback detected" info "$S" v

echo "== a host without marks accepts the old copy (documented)"
OX_STATE_DIR="$T/state2" ox restore "$S" v "$T/r" -q
assert_same "$T/img2" "$T/r"
echo PASS
