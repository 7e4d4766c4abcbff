#!/usr/bin/env bash
# nbdkit-ox-plugin: kill -9 at random moments (requests and flushes in
# flight, copy-on-read running), restart, and check every 4 KiB block
# against a model: it must hold the content it had at the last completed
# flush (or FUA of that block) or one of the states written after it;
# never older basis data, never garbage. Many rounds, many seeds.
source "$(dirname "$0")/plugin-lib.sh"

ROUNDS=${OX_CRASH_ROUNDS:-16}
SIZE=$((8 * 1024 * 1024))
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null
cp "$T/src.img" "$T/state.img"

cat > "$T/round.py" <<'PY'
import hashlib, os, pickle, random, signal, sys, time
import nbd
uri, pid, seed, state, allowed_file = sys.argv[1:6]
pid, seed = int(pid), int(seed)
r = random.Random(seed)
model = bytearray(open(state, "rb").read())
size = len(model)
B = 4096
H = lambda b: hashlib.sha1(model[b * B:(b + 1) * B]).digest()
# allowed[b]: states block b may hold after a crash.
allowed = [{H(b)} for b in range(size // B)]

def touched(off, n):
    return range(off // B, (off + n - 1) // B + 1)

def apply(off, data):
    model[off:off + len(data)] = data

def after(off, n, durable):
    for b in touched(off, n):
        if durable:
            allowed[b] = {H(b)}
        else:
            allowed[b].add(H(b))

h = nbd.NBD()
h.connect_uri(uri)
nops = r.randrange(20, 200)
for i in range(nops):
    op = r.random()
    off = r.randrange(size)
    n = min(r.choice([1, 512, 4096, 4096, 8192, 65536, 100000]), size - off)
    if r.random() < 0.5:            # aligned half of the time
        off -= off % B
        n = max(B, n - n % B)
        n = min(n, size - off)
    if op < 0.55:
        data = r.randbytes(n)
        fua = r.random() < 0.1
        h.pwrite(data, off, nbd.CMD_FLAG_FUA if fua else 0)
        apply(off, data)
        after(off, n, fua)
    elif op < 0.65:
        h.zero(n, off)
        apply(off, bytes(n))
        after(off, n, False)
    elif op < 0.72:
        h.trim(n, off)
        apply(off, bytes(n))
        after(off, n, False)
    elif op < 0.9:
        assert h.pread(n, off) == model[off:off + n]
    else:
        h.flush()
        allowed = [{H(b)} for b in range(size // B)]
# Requests in flight on distinct blocks when the server dies.
used = set()
for i in range(r.randrange(0, 12)):
    off = r.randrange(size // B) * B
    n = B * r.randrange(1, 4)
    if off + n > size or used & set(touched(off, n)):
        continue
    used |= set(touched(off, n))
    data = r.randbytes(n)
    h.aio_pwrite(data, off)
    apply(off, data)
    after(off, n, False)
if r.random() < 0.3:
    h.aio_flush()     # a flush that may or may not complete
if r.random() < 0.5:
    time.sleep(r.random() * 0.01)
os.kill(pid, signal.SIGKILL)
pickle.dump(allowed, open(allowed_file, "wb"))
PY

cat > "$T/check.py" <<'PY'
import hashlib, pickle, sys
import nbd
uri, state, allowed_file = sys.argv[1:4]
allowed = pickle.load(open(allowed_file, "rb"))
h = nbd.NBD()
h.connect_uri(uri)
size = h.get_size()
B = 4096
data = bytearray()
for off in range(0, size, 1 << 20):
    data += h.pread(min(1 << 20, size - off), off)
bad = [b for b in range(size // B)
       if hashlib.sha1(data[b * B:(b + 1) * B]).digest() not in allowed[b]]
if bad:
    sys.exit("blocks with a state that was never allowed: %s" % bad[:20])
open(state, "wb").write(data)
h.shutdown()
PY

for round in $(seq 1 "$ROUNDS"); do
  start_server store="$T/store" volume=vol overlay="$T/ov"
  timeout 120 $PY "$T/round.py" "$URI" "$SERVER_PID" "$round" \
    "$T/state.img" "$T/allowed.pkl" || fail "round $round"
  crash_server
  start_server store="$T/store" overlay="$T/ov"
  timeout 120 $PY "$T/check.py" "$URI" "$T/state.img" "$T/allowed.pkl" \
    || fail "round $round: wrong data after kill -9"
  # Sometimes crash right after the check too (copy-on-read in progress).
  if [ $((round % 3)) = 0 ]; then crash_server; else stop_server; fi
done
echo OK
