#!/usr/bin/env bash
# nbdkit-ox-plugin: clients write while hydration runs (fio random writes
# with crc32c verify, and qemu-io patterns, writes, zeroes and trims);
# hydration never puts basis data over them: fio verifies again once the
# clone is complete and after a restart of the detached clone, and every
# byte nobody wrote equals the source.
source "$(dirname "$0")/plugin-lib.sh"
requires fio qemu-io nbdcopy

SIZE=$((64 * 1024 * 1024))
MiB=$((1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 262144 >/dev/null

# Slow enough that the writes below land while hydration is running.
start_server store="$T/store" volume=vol overlay="$T/ov" hydrate=on \
  hydrate-rate=8M hydrate-threads=2 stats-file="$T/stats.log"

FIO=(--name=hyd --ioengine=nbd --uri="$URI" --rw=randwrite --bs=4k
     --size=16M --offset=16M --iodepth=8 --verify=crc32c --verify_fatal=1
     --randseed=1234)
timeout 300 fio "${FIO[@]}" --do_verify=1 --output="$T/fio1.out" \
  || { cat "$T/fio1.out"; fail "fio during hydration"; }
grep -q "err= 0" "$T/fio1.out" || { cat "$T/fio1.out"; fail "fio errors"; }
# Unaligned writes, zeroes and trims across chunk edges, while hydrating.
qio () { timeout 120 qemu-io -f raw "$@" "$URI"; }
qio -c "write -P 0x5a 40M 3M" -c "write -P 0xa5 $((44 * MiB - 1000)) 7777" \
    -c "write -z $((45 * MiB + 512)) 600K" -c "discard 47M 1M" -c flush \
    > "$T/qio1.out"
grep -q "complete=1" "$T/ov/ox-overlay" \
  && echo "note: hydration finished before the writes ended"
wait_complete "$T/ov" 300
# All of it again now that every chunk has been hydrated.
timeout 300 fio "${FIO[@]}" --verify_only --output="$T/fio2.out" \
  || { cat "$T/fio2.out"; fail "fio verify after hydration"; }
grep -q "read:" "$T/fio2.out" || fail "fio did not verify"
grep -q "err= 0" "$T/fio2.out" || { cat "$T/fio2.out"; fail "fio verify errors"; }
check_qio () {
  qio -c "read -P 0x5a 40M 3M" -c "read -P 0xa5 $((44 * MiB - 1000)) 7777" \
      -c "read -P 0 $((45 * MiB + 512)) 600K" -c "read -P 0 47M 1M" \
      > "$T/qio2.out"
  grep -q "Pattern verification failed" "$T/qio2.out" \
    && { cat "$T/qio2.out"; fail "qemu-io patterns $1"; }
  return 0
}
check_qio "after hydration"
timeout 120 nbdcopy "$URI" "$T/copy.img"
stop_server
[ "$(stats_sum "$T/stats.log" background_fetches)" -gt 0 ] \
  || fail "nothing hydrated in the background"
[ "$(stats_sum "$T/stats.log" writes)" -gt 0 ] || fail "no writes counted"

# Bytes nobody wrote are the source's.
cmp -n $((16 * MiB)) "$T/src.img" "$T/copy.img" || fail "0-16M changed"
cmp -i $((32 * MiB)):$((32 * MiB)) -n $((8 * MiB)) "$T/src.img" "$T/copy.img" \
  || fail "32-40M changed"
cmp -i $((48 * MiB)):$((48 * MiB)) "$T/src.img" "$T/copy.img" \
  || fail "48M-end changed"
cmp -i $((43 * MiB)):$((43 * MiB)) -n $((MiB - 1000)) "$T/src.img" \
  "$T/copy.img" || fail "43M-44M changed"

# The detached clone after a restart, store gone.
mv "$T/store" "$T/store.gone"
start_server overlay="$T/ov"
timeout 300 fio "${FIO[@]}" --verify_only --output="$T/fio3.out" \
  || { cat "$T/fio3.out"; fail "fio verify after restart"; }
grep -q "read:" "$T/fio3.out" || fail "fio did not verify"
grep -q "err= 0" "$T/fio3.out" || { cat "$T/fio3.out"; fail "fio verify errors"; }
check_qio "after restart"
stop_server
echo OK
