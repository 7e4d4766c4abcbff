#!/usr/bin/env bash
# nbdkit-ox-plugin: a real ext4 file system on a clone, through nbdfuse,
# a loop device and the kernel: files read back (md5), new files persist
# across a restart of nbdkit, and e2fsck finds nothing wrong.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdfuse losetup mke2fs e2fsck mount umount md5sum fusermount3
[ -c /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for losetup and mount"; exit 77; }
losetup -f >/dev/null 2>&1 || { echo "SKIP: no free loop device"; exit 77; }

# A directory tree made into an ext4 image.
mkdir -p "$T/tree/sub/deeper" "$T/fuse" "$T/mnt"
$PY - "$T/tree" <<'PY'
import os, random, sys
r = random.Random(11)
root = sys.argv[1]
for i in range(40):
    d = os.path.join(root, ["", "sub", "sub/deeper"][i % 3])
    with open(os.path.join(d, "file%02d" % i), "wb") as f:
        f.write(r.randbytes(r.choice([10, 5000, 70000, 1 << 20])))
PY
(cd "$T/tree" && find . -type f -print0 | sort -z | xargs -0 md5sum) > "$T/tree.md5"
mke2fs -q -F -t ext4 -d "$T/tree" "$T/fs.img" 64M
make_store "$T/fs.img" fs 65536 >/dev/null

LOOP=
attach () {
  start_server store="$T/store" volume=fs overlay="$T/ov"
  nbdfuse "$T/fuse/disk.raw" --unix "$SOCK" &
  FUSE_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -f "$T/fuse/disk.raw" ] && break
    sleep 0.1
  done
  [ -f "$T/fuse/disk.raw" ] || fail "nbdfuse did not mount"
  LOOP=$(losetup -f --show "$T/fuse/disk.raw")
}
detach () {
  if mountpoint -q "$T/mnt"; then umount "$T/mnt"; fi
  if [ -n "$LOOP" ]; then losetup -d "$LOOP"; LOOP=; fi
  if mountpoint -q "$T/fuse"; then fusermount3 -u "$T/fuse"; fi
  if [ -n "$FUSE_PID" ]; then wait "$FUSE_PID" || true; FUSE_PID=; fi
}
on_exit detach

attach
mount -t ext4 "$LOOP" "$T/mnt"
(cd "$T/mnt" && md5sum --quiet -c "$T/tree.md5") || fail "files differ"
# Write new files, overwrite one, delete one.
head -c 3000000 /dev/urandom > "$T/new1"
cp "$T/new1" "$T/mnt/new1"
mkdir "$T/mnt/newdir"
seq 1 100000 > "$T/mnt/newdir/numbers"
cp "$T/new1" "$T/mnt/sub/file01"
rm "$T/mnt/file00"
sync
(cd "$T/mnt" && md5sum new1 newdir/numbers sub/file01) > "$T/new.md5"
detach
stop_server

# Again after a restart of nbdkit.
attach
e2fsck -fn "$LOOP" > "$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "e2fsck"; }
mount -t ext4 "$LOOP" "$T/mnt"
(cd "$T/mnt" && md5sum --quiet -c "$T/new.md5") || fail "new files lost"
grep -v -e ' ./file00$' -e ' ./sub/file01$' "$T/tree.md5" > "$T/kept.md5"
(cd "$T/mnt" && md5sum --quiet -c "$T/kept.md5") || fail "old files differ"
[ ! -e "$T/mnt/file00" ] || fail "deleted file is back"
detach
stop_server
echo OK
