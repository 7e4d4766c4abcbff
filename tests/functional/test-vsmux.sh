#!/usr/bin/env bash
# ox: vsmux (tests/guest/vsmux), the guest tests' multiplexer, on the host
# alone: a guest end and a host end joined by a Unix socket carry
# concurrent HTTP requests to the S3 test server (8 curls at once, every
# answer checked) and oxsnap's many S3 connections (a snapshot through the
# mux restores byte for byte directly from the server); a connection the
# host end cannot open is closed in the guest and the mux carries on.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
requires curl cmp
VSMUX=$OX_BUILD/tests/vsmux
[ -x "$VSMUX" ] || { echo "$0: SKIP: $VSMUX not built"; exit 77; }

s3_server_start
s3_new_bucket vsmux
hostport=${OX_S3_ENDPOINT#http://}
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# start_mux TARGET: both ends, the guest end on 127.0.0.1:$port.
start_mux () {
  rm -f "$T/mux.sock"
  "$VSMUX" host "$T/mux.sock" "$1" 2> "$T/host.err" &
  host_pid=$!
  for _ in $(seq 100); do [ -S "$T/mux.sock" ] && break; sleep 0.05; done
  "$VSMUX" guest "$port" "unix:$T/mux.sock" 2> "$T/guest.err" &
  guest_pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  on_exit "kill $host_pid $guest_pid 2>/dev/null || true"
}
stop_mux () {
  kill "$host_pid" "$guest_pid" 2>/dev/null || true
  wait "$host_pid" "$guest_pid" 2>/dev/null || true
}

start_mux "$hostport"
# Concurrent requests: 8 health checks at once, each answered "OK".
for i in $(seq 8); do
  curl -sS --max-time 30 "http://127.0.0.1:$port/healthcheck" > "$T/hc.$i" &
done
wait_curls=0
for job in $(jobs -p); do
  [ "$job" = "$host_pid" ] || [ "$job" = "$guest_pid" ] || wait "$job" || wait_curls=1
done
[ $wait_curls = 0 ] || fail "a curl through the mux failed"
for i in $(seq 8); do
  [ "$(cat "$T/hc.$i")" = OK ] || fail "request $i got '$(cat "$T/hc.$i")'"
done

# oxsnap through the mux (several connections, large bodies both ways).
make_image () {
  $PY - "$1" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "wb") as f:
    for i in range(24):
        f.write(r.randbytes(1 << 20) if i % 3 else bytes(1 << 20))
PY
}
make_image "$T/src.img"
S=s3://$bucket/store
AWS_ENDPOINT_URL=http://127.0.0.1:$port $OXSNAP init "$S" --no-encryption -q
id=$(AWS_ENDPOINT_URL=http://127.0.0.1:$port \
     $OXSNAP snapshot "$T/src.img" "$S" --volume v --jobs 4 --no-progress -q)
[ -n "$id" ] || fail "no snapshot id"
AWS_ENDPOINT_URL=http://127.0.0.1:$port $OXSNAP restore "$S" "v@$id" "$T/mux.img" -q
cmp "$T/src.img" "$T/mux.img" || fail "restored through the mux: bytes differ"
AWS_ENDPOINT_URL=$OX_S3_ENDPOINT $OXSNAP restore "$S" "v@$id" "$T/direct.img" -q
cmp "$T/src.img" "$T/direct.img" || fail "stored through the mux: bytes differ"
kill -0 "$host_pid" "$guest_pid" || fail "a mux end died"
stop_mux

# A target that refuses: the guest's connection is closed, the mux lives.
dead=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_mux "127.0.0.1:$dead"
if curl -sS --max-time 10 "http://127.0.0.1:$port/" > "$T/refused" 2> "$T/refused.err"; then
  fail "a request to a refusing target succeeded"
fi
grep -q "connect: Connection refused" "$T/host.err" || { cat "$T/host.err"; fail "no connect error reported"; }
kill -0 "$host_pid" "$guest_pid" || fail "a mux end died after a refused connection"
stop_mux
echo PASS
