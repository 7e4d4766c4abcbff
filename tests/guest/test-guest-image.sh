#!/usr/bin/env bash
# Build (once) the cached guest image the guest tests boot, and check it:
# the ctest fixture that runs before them, so its time is its own.
source "$(dirname "$0")/guest-lib.sh"
guest_requires
requires debugfs e2fsck
s0=$(date +%s)
GUEST=$(guest_image)
echo "guest image: $GUEST ($(( $(date +%s) - s0 ))s; key $("$OX_SRC/scripts/guest-image" key))"
for f in root.img vmlinuz initrd.img kver; do
  [ -s "$GUEST/$f" ] || fail "$GUEST/$f missing"
done
e2fsck -fn "$GUEST/root.img" > "$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "e2fsck of the image"; }
# What the tests rely on is in it.
for f in /sbin/ox-guest-init /usr/sbin/nbd-client /usr/bin/socat /usr/sbin/lvm \
         /lib/modules/"$(cat "$GUEST/kver")"/modules.dep; do
  debugfs -R "stat $f" "$GUEST/root.img" 2>/dev/null | grep -q "Inode:" \
    || fail "$f missing from the image"
done
echo OK
