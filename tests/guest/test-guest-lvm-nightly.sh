#!/usr/bin/env bash
# Nightly LVM backups to S3 from inside a guest, with the recipe's own
# script (docs/examples/ox-nightly-lvm.sh): a second disk is the physical
# volume of vg/data (ext4 with files); four "nights" each change files
# (add, rewrite, delete, rewrite in place) and run the script, which takes
# an LVM snapshot, runs oxsnap snapshot into an S3 bucket (through vsmux
# over one virtio-serial port to the S3 test server), drops the LVM
# snapshot and applies retention (--keep-last 3) and gc. The guest says
# each night's snapshot id, its oxsnap info and the md5 of every file. The
# host then finds night 1 forgotten, restores nights 2-4 and reads every
# file with debugfs: the guest's md5s; and nights 2-4 each stored less
# than 3x the bytes they changed, and under a quarter of night 1.
source "$(dirname "$0")/guest-lib.sh"
source "$(dirname "$0")/../functional/s3-lib.sh"
guest_requires
requires debugfs curl
VSMUX=$OX_BUILD/tests/vsmux
[ -x "$VSMUX" ] || { echo "$0: SKIP: $VSMUX not built"; exit 77; }
GUEST=$(guest_image)
test_start=$(date +%s)

s3_server_start
s3_new_bucket lvm
S=s3://$bucket/store
$OXSNAP init "$S" --no-encryption -q

mkdir -p "$T/cfg"
cp "$OXSNAP" "$VSMUX" "$T/cfg/"
cp "$OX_SRC/docs/examples/ox-nightly-lvm.sh" "$T/cfg/"
# The sanitizer build's runtimes are not in the guest image: bring them.
asan_env=
if [ "${OX_SANITIZE:-0}" = 1 ]; then
  mkdir -p "$T/cfg/lib"
  ldd "$OXSNAP" "$VSMUX" | awk '/(asan|ubsan)/ { print $3 }' | sort -u |
    xargs -r cp -t "$T/cfg/lib"
  asan_env="export LD_LIBRARY_PATH=/run/cfg/lib ASAN_OPTIONS=detect_leaks=1:exitcode=99"
fi
cat > "$T/cfg/env.sh" <<ENVEOF
export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID' AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'
export AWS_REGION='$AWS_REGION' AWS_ENDPOINT_URL=http://127.0.0.1:9000
export STORE='$S'
$asan_env
ENVEOF
cat > "$T/cfg/test.sh" <<'GUEST'
. /run/cfg/lib.sh
. /run/cfg/env.sh
export PATH=/run/cfg:$PATH
modprobe dm_mod
modprobe dm_snapshot
dev=$(vport oxs3) || die "no port oxs3"
vsmux guest 9000 "$dev" 2> /run/vsmux.err &
i=0
until curl -s -o /dev/null http://127.0.0.1:9000/healthcheck; do
  i=$((i + 1)); [ $i -le 100 ] || die "no S3 through vsmux: $(cat /run/vsmux.err)"
  sleep 0.2
done
# No udev here: lvm makes the device nodes itself, and runs no dmeventd.
mkdir -p /run/lvm-conf
cat > /run/lvm-conf/lvm.conf <<'LVM'
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
devices { obtain_device_list_from_udev = 0 }
LVM
export LVM_SYSTEM_DIR=/run/lvm-conf OX_LVM_OPTS=--noudevsync
export OX_SNAP_SIZE=32M OX_KEEP="--keep-last 3"
pvcreate -q /dev/vdc
vgcreate -q vg /dev/vdc
lvcreate -q -Zn --noudevsync -L 96M -n data vg
[ -e /dev/vg/data ] || vgmknodes vg
mkfs.ext4 -q -b 4096 /dev/vg/data
mkdir -p /mnt/data
mount /dev/vg/data /mnt/data
mkdir -p /mnt/data/a /mnt/data/b
n=0
while [ $n -lt 12 ]; do
  head -c $(( (n % 4 + 1) * 1048576 )) /dev/urandom > /mnt/data/a/f$n
  n=$((n + 1))
done
for night in 1 2 3 4; do
  if [ $night -gt 1 ]; then
    # The day's changes: a new 1 MiB file, a rewritten one, a deletion,
    # 64 KiB rewritten in place inside another.
    head -c 1048576 /dev/urandom > /mnt/data/b/new$night
    head -c 1048576 /dev/urandom > /mnt/data/a/f$night
    rm -f /mnt/data/a/f$((night + 4))
    dd if=/dev/urandom of=/mnt/data/a/f11 bs=65536 count=1 \
       seek=$night conv=notrunc status=none
  fi
  t0=$(cut -d' ' -f1 /proc/uptime)
  id=$(ox-nightly-lvm.sh vg data "$STORE" data 2> /run/night$night.err) \
    || { cat /run/night$night.err; die "night $night failed"; }
  say night$night "$id" "$(cut -d' ' -f1 /proc/uptime)" "$t0"
  say info$night "$(oxsnap info "$STORE" "data@$id" --json | tr -d '\n')"
  (cd /mnt/data && find . -type f | sort | xargs md5sum) |
    while read -r sum path; do say "md5.$night $sum $path"; done
  if lvs vg/data-ox-nightly >/dev/null 2>&1; then
    die "night $night left its LVM snapshot"
  fi
done
say forget "$(grep -c 'removed [1-9]' /run/night4.err || true)"
umount /mnt/data
vgchange -an --noudevsync vg >/dev/null
GUEST

dd if=/dev/zero of="$T/pv.img" bs=1M count=0 seek=160 status=none
rm -f "$T/s3mux.sock"
"$VSMUX" host "$T/s3mux.sock" "${OX_S3_ENDPOINT#http://}" 2> "$T/vsmux-host.err" &
mux_pid=$!
on_exit "kill $mux_pid 2>/dev/null || true"
for _ in $(seq 100); do [ -S "$T/s3mux.sock" ] && break; sleep 0.05; done
guest_cfg lvm "$T/cfg"
guest_port_connect oxs3 "$T/s3mux.sock"
guest_boot lvm "$GUEST/root.img,snapshot=on" \
  -drive "file=$T/pv.img,format=raw,if=virtio,cache=writeback"
wait "$mux_pid" 2>/dev/null || true

# Night 1 was forgotten on night 4 (--keep-last 3).
id1=$(guest_values lvm night1 | cut -d' ' -f1)
[ -n "$id1" ] || fail "no night 1 id"
$OXSNAP list "$S" data > "$T/list"
for night in 2 3 4; do
  id=$(guest_values lvm "night$night" | cut -d' ' -f1)
  grep -q "^$id " "$T/list" || { cat "$T/list"; fail "night $night ($id) is not listed"; }
done
if grep -q "^$id1 " "$T/list"; then
  cat "$T/list"; fail "night 1 (data@$id1) was kept: retention did not run"
fi
[ "$(guest_values lvm forget)" -ge 1 ] || fail "night 4's forget removed nothing"

# stored NIGHT: the stored_bytes of that night's oxsnap info.
stored () {
  guest_values lvm "info$1" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["stored_bytes"])'
}
# seconds NIGHT: how long the night's script ran in the guest.
seconds () {
  guest_values lvm "night$1" | awk '{printf "%.1f", $2 - $3}'
}
s1=$(stored 1)
echo "night 1: $(seconds 1) s, $((s1 / 1024)) KiB stored"
# Changed per night: 2 MiB of files rewritten or added and 64 KiB in
# place (a deletion stores nothing).
changed=$((2 * 1048576 + 65536))
for night in 2 3 4; do
  id=$(guest_values lvm "night$night" | cut -d' ' -f1)
  [ -n "$id" ] || fail "no night $night id"
  sn=$(stored $night)
  echo "night $night: $(seconds $night) s, $((sn / 1024)) KiB stored" \
       "(changed $((changed / 1024)) KiB)"
  [ "$sn" -gt 0 ] || fail "night $night stored nothing"
  [ "$sn" -lt $((3 * changed)) ] \
    || fail "night $night stored $sn bytes, >= 3x the $changed changed"
  [ "$sn" -lt $((s1 / 4)) ] \
    || fail "night $night stored $sn bytes, not far less than night 1's $s1"
  $OXSNAP restore "$S" "data@$id" "$T/night$night.img" -q
  guest_values lvm "md5.$night" > "$T/md5.$night"
  [ "$(wc -l < "$T/md5.$night")" -ge 10 ] || fail "night $night: too few files"
  while read -r sum path; do
    got=$(debugfs -R "cat /${path#./}" "$T/night$night.img" 2>/dev/null |
          md5sum | cut -d' ' -f1)
    [ "$got" = "$sum" ] \
      || fail "night $night: $path is $got in the restore, $sum in the guest"
  done < "$T/md5.$night"
  grep -q " ./b/new$night\$" "$T/md5.$night" || fail "night $night lacks b/new$night"
  if grep -q " ./a/f$((night + 4))\$" "$T/md5.$night"; then
    fail "night $night still has a/f$((night + 4))"
  fi
  rm -f "$T/night$night.img"
done
echo "test took $(( $(date +%s) - test_start )) s"
echo OK
