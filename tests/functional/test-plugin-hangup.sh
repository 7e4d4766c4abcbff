#!/usr/bin/env bash
# nbdkit-ox-plugin: 50 clients that hang up abruptly with requests in
# flight (killed Python clients; nbdcopy giving up after injected read
# errors) do not bring the server down, and the data stays right.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdcopy qemu-img

SIZE=$((16 * 1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null

# 1. 25 clients killed with 64 requests in flight, on a cold clone.
start_server store="$T/store" volume=vol overlay="$T/ov"
for i in $(seq 1 25); do
  rc=0
  timeout 60 $PY - "$URI" $i <<'PY' 2>/dev/null || rc=$?
import nbd, os, random, sys
r = random.Random(int(sys.argv[2]))
h = nbd.NBD()
h.connect_uri(sys.argv[1])
size = h.get_size()
for j in range(64):
    off = r.randrange(size // 2 - (1 << 20))
    if r.random() < 0.8:
        h.aio_pread(nbd.Buffer(r.choice([4096, 65536, 1 << 20])), off)
    else:
        # writes only go to the upper half
        h.aio_pwrite(bytes([j]) * 8192, size // 2 + r.randrange(size // 2 - 8192))
os.kill(os.getpid(), 9)
PY
  [ $rc = 137 ] || fail "client $i did not die as planned ($rc)"
  server_alive
done
grep -q -e "Broken pipe" -e "Connection reset" "$T/nbdkit.log" \
  || fail "no client hung up with requests in flight"
# The lower half still reads as the source.
timeout 60 nbdcopy "$URI" "$T/copy.img"
cmp -n $((SIZE / 2)) "$T/src.img" "$T/copy.img" || fail "data changed"
stop_server

# 2. 25 nbdcopy runs that give up after read errors (injected by nbdkit's
#    error filter) with requests in flight on 4 connections.
rm -f "$SOCK"
"${NBDKIT[@]}" -f -v -U "$SOCK" -P "$T/pid" --filter=error "$PLUGIN" \
  store="$T/store" overlay="$T/ov2" volume=vol error-pread-rate=0.2 \
  >>"$T/nbdkit.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
for i in $(seq 1 25); do
  if timeout 60 nbdcopy "$URI" null: 2>/dev/null; then
    : # possible when no error was drawn
  fi
  server_alive
done
stop_server
[ "$(grep -c "injecting" "$T/nbdkit.log")" -ge 25 ] || fail "too few errors injected"

# 3. The clone behind the error filter is intact.
start_server store="$T/store" overlay="$T/ov2"
timeout 60 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
stop_server
echo OK
