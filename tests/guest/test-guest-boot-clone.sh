#!/usr/bin/env bash
# A real guest boots from an ox clone (hydrate=off: every read the boot does
# not find in the overlay comes from the store), writes files, syncs and
# powers off; booted again from the same overlay after a restart of nbdkit
# it finds the same files (md5s on its console); the host reads the files
# out of the clone and e2fsck finds the clone's file system clean.
# Reports the bytes the first boot fetched against the image's data.
source "$(dirname "$0")/guest-lib.sh"
guest_requires
requires nbdcopy e2fsck debugfs
GUEST=$(guest_image)
echo "guest image: $GUEST"

# The cached root image is the volume (read only by oxsnap).
$OXSNAP init "$T/store" --no-encryption -q
s0=$(date +%s)
$OXSNAP snapshot "$GUEST/root.img" "$T/store" --volume root --no-progress -q >/dev/null
echo "snapshot of the root image: $(( $(date +%s) - s0 ))s," \
  "$(( $(du -B1 "$GUEST/root.img" | cut -f1) / 1048576 )) MiB allocated," \
  "store $(( $(du -sB1 "$T/store" | cut -f1) / 1048576 )) MiB"
ROOT="nbd:unix:$SOCK"

# Boot 1: write files of several sizes, print their md5s.
mkdir -p "$T/cfg1"
cat > "$T/cfg1/test.sh" <<'EOF'
. /run/cfg/lib.sh
say kernel "$(uname -r)"
[ "$(findmnt -n -o SOURCE /)" = /dev/vda ] || die "root is not /dev/vda"
mkdir -p /ox-test/sub
head -c 3000000 /dev/urandom > /ox-test/random
seq 1 200000 > /ox-test/sub/numbers
cp /bin/ls /ox-test/ls-copy
echo "written by boot 1" > /ox-test/note
sync
say_md5s /ox-test
EOF
guest_cfg boot1 "$T/cfg1"
start_server store="$T/store" volume=root overlay="$T/ov" stats-file="$T/stats1"
guest_boot boot1 "$ROOT"
stop_server
guest_values boot1 md5 > "$T/md5.1"
[ "$(wc -l < "$T/md5.1")" = 4 ] || fail "boot 1 printed $(wc -l < "$T/md5.1") md5s, not 4"
fetched=$(( $(stats_sum "$T/stats1" demand_bytes) + $(stats_sum "$T/stats1" readahead_bytes) ))
echo "boot 1 fetched $((fetched / 1024)) KiB from the store" \
  "(demand $(( $(stats_sum "$T/stats1" demand_bytes) / 1024 )) KiB," \
  "readahead $(( $(stats_sum "$T/stats1" readahead_bytes) / 1024 )) KiB)," \
  "read $(( $(stats_sum "$T/stats1" read_bytes) / 1024 )) KiB," \
  "wrote $(( $(stats_sum "$T/stats1" write_bytes) / 1024 )) KiB"
[ "$fetched" -gt 0 ] || fail "boot 1 fetched nothing from the store"

# Boot 2, after a restart of nbdkit on the same overlay: the files are there.
mkdir -p "$T/cfg2"
cat > "$T/cfg2/test.sh" <<'EOF'
. /run/cfg/lib.sh
grep -qx "written by boot 1" /ox-test/note || die "note missing"
say_md5s /ox-test
EOF
guest_cfg boot2 "$T/cfg2"
start_server store="$T/store" volume=root overlay="$T/ov" stats-file="$T/stats2"
guest_boot boot2 "$ROOT"
stop_server
guest_values boot2 md5 > "$T/md5.2"
diff "$T/md5.1" "$T/md5.2" || fail "the files differ in boot 2"
echo "boot 2 fetched $(( ($(stats_sum "$T/stats2" demand_bytes) + $(stats_sum "$T/stats2" readahead_bytes)) / 1024 )) KiB"

# The host reads the clone: clean file system, the guest's files in it.
start_server store="$T/store" volume=root overlay="$T/ov"
timeout 300 nbdcopy "nbd+unix:///?socket=$SOCK" "$T/clone.img"
stop_server
e2fsck -fn "$T/clone.img" > "$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "e2fsck of the clone"; }
while read -r sum path; do
  got=$(debugfs -R "cat /ox-test/${path#./}" "$T/clone.img" 2>/dev/null | md5sum | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "host reads /ox-test/$path from the clone as $got, guest wrote $sum"
done < "$T/md5.1"
# The clone outside /ox-test is still the image (spot check: the init).
cmp <(debugfs -R "cat /sbin/ox-guest-init" "$T/clone.img" 2>/dev/null) \
    <(debugfs -R "cat /sbin/ox-guest-init" "$GUEST/root.img" 2>/dev/null) \
  || fail "the clone's /sbin/ox-guest-init differs from the image's"
echo OK
