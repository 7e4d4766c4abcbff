#!/usr/bin/env bash
# The guest kernel's nbd-client attaches a clone (hydrate=off, so reads go
# to the store) of an ext4 data image through a virtio-serial bridge,
# mounts it, checks every file's md5 against the host's list, writes a
# file, unmounts and disconnects; the host then finds the write in the
# clone (served again from the same overlay) and e2fsck finds it clean.
source "$(dirname "$0")/guest-lib.sh"
guest_requires
requires nbdcopy e2fsck debugfs mke2fs
GUEST=$(guest_image)

# The data: a tree of files of several sizes made into an ext4 image.
mkdir -p "$T/tree/sub/deeper" "$T/cfg"
$PY - "$T/tree" <<'PY'
import os, random, sys
r = random.Random(13)
root = sys.argv[1]
for i in range(30):
    d = os.path.join(root, ["", "sub", "sub/deeper"][i % 3])
    with open(os.path.join(d, "file%02d" % i), "wb") as f:
        f.write(r.randbytes(r.choice([1, 4096, 70000, 1 << 20, 3 << 20])))
PY
(cd "$T/tree" && find . -type f -print0 | sort -z | xargs -0 md5sum) > "$T/cfg/data.md5"
mke2fs -q -F -t ext4 -b 4096 -d "$T/tree" "$T/data.img" 128M >/dev/null
$OXSNAP init "$T/store" --no-encryption -q
$OXSNAP snapshot "$T/data.img" "$T/store" --volume data --no-progress -q >/dev/null

cat > "$T/cfg/test.sh" <<'EOF'
. /run/cfg/lib.sh
modprobe nbd nbds_max=2
bridge_unix oxnbd /run/nbd.sock
nbd-client -unix /run/nbd.sock /dev/nbd0 -b 4096 || die "nbd-client"
say size "$(blockdev --getsize64 /dev/nbd0)"
mkdir -p /mnt/data
mount -t ext4 /dev/nbd0 /mnt/data || die "mount"
(cd /mnt/data && md5sum -c --quiet /run/cfg/data.md5) || die "md5 mismatch"
say checked "$(wc -l < /run/cfg/data.md5)"
head -c 2000000 /dev/urandom > /mnt/data/from-guest
say wrote "$(md5sum < /mnt/data/from-guest | cut -d' ' -f1)"
umount /mnt/data
nbd-client -d /dev/nbd0 || die "nbd-client -d"
say detached 1
EOF
guest_cfg nbd "$T/cfg"
start_server store="$T/store" volume=data overlay="$T/ov" stats-file="$T/stats"
guest_port_connect oxnbd "$SOCK"
guest_boot nbd "$GUEST/root.img,snapshot=on"
stop_server
[ "$(guest_values nbd size)" = "$(stat -c %s "$T/data.img")" ] \
  || fail "the guest's /dev/nbd0 has $(guest_values nbd size) bytes"
[ "$(guest_values nbd checked)" = "$(wc -l < "$T/cfg/data.md5")" ] || fail "not all files checked"
guest_values nbd detached | grep -q . || fail "no clean disconnect"
wrote=$(guest_values nbd wrote)
demand=$(stats_sum "$T/stats" demand_bytes)
echo "guest read the clone: $((demand / 1024)) KiB on demand," \
  "$(( $(stats_sum "$T/stats" readahead_bytes) / 1024 )) KiB readahead;" \
  "data $(( $(du -sB1 "$T/tree" | cut -f1) / 1024 )) KiB"
# Every file was read, and with hydrate=off only from the store.
[ "$demand" -gt 0 ] || fail "nothing was fetched on demand"

# The host sees the write in the clone.
start_server store="$T/store" volume=data overlay="$T/ov"
timeout 300 nbdcopy "nbd+unix:///?socket=$SOCK" "$T/clone.img"
stop_server
e2fsck -fn "$T/clone.img" > "$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "e2fsck of the clone"; }
got=$(debugfs -R "cat /from-guest" "$T/clone.img" 2>/dev/null | md5sum | cut -d' ' -f1)
[ "$got" = "$wrote" ] || fail "host reads /from-guest as $got, the guest wrote $wrote"
# The old files are still intact in the clone.
while read -r sum path; do
  got=$(debugfs -R "cat /${path#./}" "$T/clone.img" 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "$path differs in the clone"
done < "$T/cfg/data.md5"
echo OK
