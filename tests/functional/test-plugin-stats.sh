#!/usr/bin/env bash
# nbdkit-ox-plugin statistics and `oxsnap status` agree, across restarts
# and a crash: demand reads with hydrate=off fetch exactly the data chunks
# read (their frame bytes from the store), a second run hydrates the rest,
# and over all runs every data chunk is fetched once (bytes = the
# snapshot's stored bytes). The overlay's stats totals, `oxsnap status`
# (text and --json) and the sums of the stats-file lines hold the same
# figures; percentiles never exceed the maximum; the totals do not lag
# behind the log after kill -9.
source "$(dirname "$0")/plugin-lib.sh"

CHUNK=65536
NCHUNKS=64
# Random (incompressible) chunks, every 4th one zero: all data frames have
# the same length, so the bytes of N fetches are N times that length.
$PY - "$T/src.img" $CHUNK $NCHUNKS <<'PYEOF'
import random, sys
path, chunk, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(7)
with open(path, "wb") as f:
    for i in range(n):
        f.write(bytes(chunk) if i % 4 == 3 else r.randbytes(chunk))
PYEOF
make_store "$T/src.img" vol $CHUNK >/dev/null
$OXSNAP info "$T/store" vol --json >"$T/info.json"
read -r DATA STORED < <($PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["data_chunks"], d["stored_bytes"])' "$T/info.json")
[ "$DATA" -eq 48 ] || fail "expected 48 data chunks, info says $DATA"
[ $((STORED % DATA)) -eq 0 ] || fail "frames of unequal length ($STORED / $DATA)"
FRAME=$((STORED / DATA))
echo "48 data chunks, $FRAME bytes per frame"
OV=$T/ov
LOG=$T/stats.log

# Check that the totals file, oxsnap status (text and JSON) and the sums
# of the log lines agree, and that the totals hold the expected values
# (KEY=VALUE arguments).
check () {
  $OXSNAP status "$OV" >"$T/status.txt"
  $OXSNAP status "$OV" --json >"$T/status.json"
  $PY - "$OV/stats" "$T/status.txt" "$T/status.json" "$LOG" "$@" <<'PYEOF'
import json, re, sys
stats_path, text_path, json_path, log_path = sys.argv[1:5]
want = dict(a.split("=", 1) for a in sys.argv[5:])

def die(msg):
    sys.exit("FAIL: " + msg)

tot = {}
for line in open(stats_path):
    k, _, v = line.strip().partition("=")
    tot[k] = int(v) if v.isdigit() else v
lines = [dict(kv.split("=", 1) for kv in l.split()) for l in open(log_path)]
logsum = lambda k: sum(int(l[k]) for l in lines)
cls = ("demand", "readahead", "background")

# The log's lines add up to the totals of all runs.
for k in [c + s for c in cls for s in ("_bytes", "_fetches")] + [
        "reads", "read_bytes", "writes", "fetch_errors", "errors"]:
    if logsum(k) != tot[k]:
        die("%s: log lines sum to %d, stats file says %d" % (k, logsum(k), tot[k]))
fetched = sum(tot[c + "_bytes"] for c in cls)
if int(lines[-1]["total_fetch_bytes"]) != fetched:
    die("last line's total_fetch_bytes %s != %d" % (lines[-1]["total_fetch_bytes"], fetched))
# Run time: the lines' intervals (each truncated to ms) add up to it.
iv = logsum("interval_ms")
if not (iv <= tot["runtime_ms"] + 5 and tot["runtime_ms"] <= iv + len(lines) + 5):
    die("runtime_ms %d but the lines' intervals sum to %d" % (tot["runtime_ms"], iv))
if tot["runtime_s"] != tot["runtime_ms"] // 1000:
    die("runtime_s %d vs runtime_ms %d" % (tot["runtime_s"], tot["runtime_ms"]))
# Percentiles never above the maximum.
for l in lines:
    for p in ("read", "write", "cold"):
        p50, p99, mx = (int(l["%s_%s_us" % (p, q)]) for q in ("p50", "p99", "max"))
        if not p50 <= p99 <= mx:
            die("%s: p50 %d, p99 %d, max %d in: %s" % (p, p50, p99, mx, l["time"]))
# Expected values.
for k, v in want.items():
    if str(tot.get(k)) != v:
        die("stats file: %s=%s, expected %s" % (k, tot.get(k), v))

# oxsnap status --json shows the same counters.
j = json.load(open(json_path))["stats"]
pairs = [(j["runs"], tot["runs"]), (j["runtime_ms"], tot["runtime_ms"]),
         (j["reads"], tot["reads"]), (j["writes"], tot["writes"]),
         (j["errors"], tot["errors"]), (j["fetch_errors"], tot["fetch_errors"]),
         (j["local_reads"], tot["local_reads"]),
         (j["basis_reads"], tot["basis_reads"]), (j["fetched_bytes"], fetched),
         (j["fetches"], sum(tot[c + "_fetches"] for c in cls)),
         (j["hydrate"], tot["hydrate"])]
for c in cls:
    pairs += [(j[c]["fetches"], tot[c + "_fetches"]),
              (j[c]["bytes"], tot[c + "_bytes"]), (j[c]["rate"], tot[c + "_rate"])]
for i, (a, b) in enumerate(pairs):
    if a != b:
        die("status --json pair %d: %r != stats file's %r" % (i, a, b))

# And so does the text: each class with its own bytes.
def human(n):
    u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    v, i = float(n), 0
    while v >= 1024 and i < 5:
        v, i = v / 1024, i + 1
    return "%.1f %s" % (v, u[i]) if i else "%.0f %s" % (v, u[i])
text = open(text_path).read()
exp = "fetched:      %d bytes (%s) in %d fetches: " % (
    fetched, human(fetched), j["fetches"]) + ", ".join(
    "%s %d (%s)" % (c, tot[c + "_fetches"], human(tot[c + "_bytes"])) for c in cls)
if exp not in text:
    die("status text lacks:\n%s\n--- it says:\n%s" % (exp, text))
if "runs:         %d (%d s served)" % (tot["runs"], tot["runtime_ms"] // 1000) not in text:
    die("status text runs line:\n" + text)
print("agree: runs=%d fetched=%d reads=%d lines=%d" % (tot["runs"], fetched, tot["reads"], len(lines)))
PYEOF
}

# Run 1: no hydration, no readahead. Read 4 KiB of chunks 0..15 twice:
# the 12 data chunks among them are fetched once, on demand.
start_server store="$T/store" volume=vol overlay="$OV" hydrate=off \
  readahead=0 stats-file="$LOG"
nbdpy <<'P'
for rep in range(2):
    for ch in range(16):
        h.pread(4096, ch * 65536)
P
stop_server
check runs=1 demand_fetches=12 demand_bytes=$((12 * FRAME)) \
  readahead_fetches=0 background_fetches=0 background_bytes=0 reads=32 \
  hydrate=off
grep -q "background 0 (0 B)" "$T/status.txt" || fail "background shown wrong"

# Run 2: hydration on; read 16 more chunks meanwhile. Every data chunk is
# fetched exactly once over both runs.
start_server store="$T/store" overlay="$OV" hydrate=on readahead=0 \
  stats-file="$LOG"
nbdpy <<'P'
for ch in range(16, 32):
    h.pread(4096, ch * 65536)
P
wait_complete "$OV"
stop_server
read -r f b < <($PY -c 'import sys
t = dict(l.strip().split("=", 1) for l in open(sys.argv[1]))
c = ("demand", "readahead", "background")
print(sum(int(t[x + "_fetches"]) for x in c), sum(int(t[x + "_bytes"]) for x in c))' "$OV/stats")
[ "$f" -eq "$DATA" ] || fail "fetched $f chunks over two runs, expected $DATA"
[ "$b" -eq "$STORED" ] || fail "fetched $b bytes, the snapshot stored $STORED"
check runs=2 reads=48 readahead_fetches=0 hydrate=done complete=1

# Run 3 (complete, detached): reads counted, then kill -9 once a log line
# has them. The totals file keeps up with the log, so nothing disagrees.
start_server overlay="$OV" stats-file="$LOG"
nbdpy <<'P'
for ch in range(0, 64, 2):
    h.pread(8192, ch * 65536)
P
for _ in $(seq 1 100); do
  [ "$(stats_sum "$LOG" reads)" -eq 80 ] && break
  sleep 0.1
done
[ "$(stats_sum "$LOG" reads)" -eq 80 ] || fail "no log line with the reads"
sleep 0.3
crash_server
check runs=3 reads=80 demand_fetches=12 background_fetches=$((f - 12)) \
  fetch_errors=0 errors=0
echo OK
