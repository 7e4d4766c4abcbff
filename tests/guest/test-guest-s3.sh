#!/usr/bin/env bash
# oxsnap runs inside a guest and snapshots the guest's third disk (a block
# device, /dev/vdc) into the host's S3 server (Swift), reached through
# qemu's restricted user network (guest 10.0.2.100:80 -> host's S3 port,
# one socat per connection); the host then serves the snapshot from S3
# with the plugin and reads back the disk's exact bytes. The groundwork
# of the LVM backup test (oxsnap in the guest, on device-mapper snapshots).
source "$(dirname "$0")/guest-lib.sh"
source "$OX_SRC/tests/functional/s3-lib.sh"
guest_requires
requires nbdcopy cmp socat
GUEST=$(guest_image)

s3_server_start
s3_new_bucket guest
S=s3://$bucket/store
hport=${OX_S3_ENDPOINT##*:}
$CLIENT_ENV $OXSNAP init "$S" --no-encryption -q

make_image "$T/disk.img" $((40 * 1048576))
mkdir -p "$T/cfg/bin"
cp "$OXSNAP" "$T/cfg/bin/oxsnap"
if [ "${OX_SANITIZE:-0}" = 1 ]; then
  # The guest has no sanitizer runtimes: bring the host's (same Debian).
  for l in $(ldd "$OXSNAP" | awk '/lib(asan|ubsan)/ { print $3 }'); do
    cp "$l" "$T/cfg/bin/"
  done
fi
cat > "$T/cfg/test.sh" <<EOF
. /run/cfg/lib.sh
net_up
say health "\$(curl -sS --max-time 60 http://10.0.2.100/healthcheck)"
export LD_LIBRARY_PATH=/run/cfg/bin ASAN_OPTIONS=detect_leaks=1:exitcode=99
export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID' AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'
export AWS_REGION='$AWS_REGION' AWS_ENDPOINT_URL=http://10.0.2.100
say device "\$(blockdev --getsize64 /dev/vdc)"
id=\$(/run/cfg/bin/oxsnap snapshot /dev/vdc '$S' --volume guestdisk --no-progress -q) \\
  || die "oxsnap snapshot"
say snapshot "\$id"
/run/cfg/bin/oxsnap verify '$S' guestdisk --full > /run/verify.out 2>&1 || { cat /run/verify.out; die "oxsnap verify"; }
say verified 1
EOF
guest_cfg s3 "$T/cfg"
guest_net_forward 10.0.2.100 80 "$hport"
guest_boot s3 "$GUEST/root.img,snapshot=on" \
  -drive "file=$T/disk.img,format=raw,if=virtio,readonly=on"
[ "$(guest_values s3 health)" = OK ] || fail "the guest did not reach the S3 server"
[ "$(guest_values s3 device)" = "$(stat -c %s "$T/disk.img")" ] || fail "/dev/vdc has the wrong size"
id=$(guest_values s3 snapshot)
[[ $id =~ ^[0-9a-f]{16}$ ]] || fail "the guest's oxsnap printed '$id'"
guest_values s3 verified | grep -q 1 || fail "verify in the guest"

# The host serves what the guest stored and gets the disk's bytes.
$CLIENT_ENV $OXSNAP list "$S" guestdisk | grep -q "$id" || fail "snapshot $id not listed on the host"
start_server store="$S" volume=guestdisk overlay="$T/ov"
timeout 300 nbdcopy "nbd+unix:///?socket=$SOCK" "$T/back.img"
stop_server
cmp "$T/disk.img" "$T/back.img" || fail "the snapshot made in the guest differs from the disk"
echo OK
