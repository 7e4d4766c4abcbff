#!/usr/bin/env bash
# nbdkit-ox-plugin: qemu-io pattern writes read back (also after a
# restart); fio random 4 KiB writes over NBD verified with crc32c.
source "$(dirname "$0")/plugin-lib.sh"
requires qemu-io fio qemu-img

SIZE=$((32 * 1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 262144 >/dev/null
start_server store="$T/store" volume=vol overlay="$T/ov"

qio () { timeout 120 qemu-io -f raw "$@" "$URI"; }
qio -c "write -P 0x55 1M 1M" -c "write -P 0xaa 3000 5000" \
    -c "write -z 8M 300K" -c "aio_write -P 0x66 12M 64K" -c aio_flush \
    -c "read -P 0x55 1M 1M" -c "read -P 0xaa 3000 5000" \
    -c "read -P 0 8M 300K" -c "read -P 0x66 12M 64K" -c flush > "$T/qio.out"
grep -q "Pattern verification failed" "$T/qio.out" && fail "qemu-io pattern"
stop_server
start_server store="$T/store" overlay="$T/ov"
qio -c "read -P 0x55 1M 1M" -c "read -P 0xaa 3000 5000" \
    -c "read -P 0 8M 300K" -c "read -P 0x66 12M 64K" > "$T/qio2.out"
grep -q "Pattern verification failed" "$T/qio2.out" && fail "qemu-io after restart"
# Bytes around the writes are the source's.
cmp -n 3000 "$T/src.img" <(timeout 60 nbdcopy "$URI" -) \
  || fail "bytes before the first write changed"

# fio: random 4 KiB writes then a verify pass, on 4 jobs.
timeout 300 fio --name=randwrite --ioengine=nbd --uri="$URI" \
  --rw=randwrite --bs=4k --size=16M --offset=16M --iodepth=8 \
  --numjobs=1 --verify=crc32c --verify_fatal=1 --do_verify=1 \
  --output="$T/fio.out" || { cat "$T/fio.out"; fail "fio"; }
grep -q "read:" "$T/fio.out" || fail "fio did not verify"
grep -q "err= 0" "$T/fio.out" || { cat "$T/fio.out"; fail "fio errors"; }
timeout 300 fio --name=mixed --ioengine=nbd --uri="$URI" \
  --rw=randrw --bsrange=512-64k --size=8M --offset=4M --iodepth=4 \
  --verify=crc32c --verify_fatal=1 --do_verify=1 \
  --output="$T/fio2.out" || { cat "$T/fio2.out"; fail "fio mixed"; }
stop_server
echo OK
