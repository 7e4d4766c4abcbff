# Shared helpers for the nbdkit-ox-plugin functional tests (sourced).
#
# Environment: OX_BUILD (build dir), OX_SRC (source dir), OX_SANITIZE (1/0).
# Every test gets a private directory $T, removed on exit together with the
# servers, mounts and loop devices it started.

set -e
set -o pipefail

: "${OX_BUILD:?OX_BUILD must name the build directory}"
: "${OX_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
OXSNAP=$OX_BUILD/snapshot/oxsnap
PLUGIN=$OX_BUILD/plugin/nbdkit-ox-plugin.so
PY=/usr/bin/python3

# Skip (77) unless every named program exists.
requires () {
  local p
  for p in "$@"; do
    if ! command -v "$p" >/dev/null 2>&1; then
      echo "$0: SKIP: $p is not installed"
      exit 77
    fi
  done
}

requires nbdkit timeout
[ -x "$OXSNAP" ] || { echo "$0: SKIP: $OXSNAP not built"; exit 77; }
[ -f "$PLUGIN" ] || { echo "$0: SKIP: $PLUGIN not built"; exit 77; }
$PY -c 'import nbd' 2>/dev/null || { echo "$0: SKIP: python3-libnbd missing"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/ox-plugin-test.XXXXXX")
SOCK=$T/sock
URI="nbd+unix:///?socket=$SOCK"
SERVER_PID=
CLEANUPS=()

# Run "$@" at exit (last registered runs first).
on_exit () {
  CLEANUPS=("$*" "${CLEANUPS[@]}")
}

_cleanup () {
  local rc=$? c
  set +e
  for c in "${CLEANUPS[@]}"; do
    eval "$c"
  done
  if [ -n "$SERVER_PID" ]; then
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -f "$T/nbdkit.log" ]; then
    echo "---- last lines of the nbdkit log ----"
    tail -n 40 "$T/nbdkit.log"
  fi
  rm -rf "$T"
  exit $rc
}
trap _cleanup EXIT
trap 'exit 1' INT TERM

fail () {
  echo "$0: FAIL: $*" >&2
  exit 1
}

# Write a deterministic test image FILE of SIZE bytes: random data,
# compressible text, and runs of zeros (so ZERO chunks exist).
make_image () {
  $PY - "$1" "$2" <<'EOF'
import random, sys
path, size = sys.argv[1], int(sys.argv[2])
r = random.Random(size)
with open(path, "wb") as f:
    f.truncate(size)
    off = 0
    while off < size:
        n = min(size - off, r.choice([4096, 65536, 300000, 1 << 20]))
        kind = r.random()
        if kind < 0.3:
            off += n            # leave a hole of zeros
            continue
        f.seek(off)
        if kind < 0.7:
            f.write(r.randbytes(n))
        else:
            line = b"ox test line %d with some text\n" % off
            f.write((line * (n // len(line) + 1))[:n])
        off += n
EOF
}

# Create an unencrypted store $T/store and snapshot IMAGE into it as
# volume VOL with CHUNK bytes per chunk; prints the snapshot id.
make_store () {
  local image=$1 vol=${2:-vol} chunk=${3:-65536}
  [ -d "$T/store" ] || $OXSNAP init "$T/store" --no-encryption -q
  $OXSNAP snapshot "$image" "$T/store" --volume "$vol" \
    --chunk-size "$chunk" --no-progress -q
}

# The nbdkit command, with the sanitizer runtime preloaded in a sanitizer
# build (nbdkit itself is not instrumented). Use "${NBDKIT[@]}".
# Clients started by nbdkit --run inherit its environment: run them as
# "$CLIENT_ENV client ..." so they do not load the sanitizer runtime too
# (qemu-io hangs at exit with it preloaded).
NBDKIT=(nbdkit)
CLIENT_ENV="env -u LD_PRELOAD -u ASAN_OPTIONS"
if [ "${OX_SANITIZE:-0}" = 1 ]; then
  NBDKIT=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
          "ASAN_OPTIONS=detect_leaks=1:exitcode=99" nbdkit)
fi

# Start the plugin in the background on $SOCK with the given parameters;
# wait until it accepts connections. The log goes to $T/nbdkit.log.
# Tests of the demand path count fetches and pages: background hydration
# is off unless the parameters (or OX_TEST_HYDRATE=on) ask for it.
start_server () {
  local hyd=hydrate=${OX_TEST_HYDRATE:-off} a
  for a in "$@"; do
    case $a in hydrate=*) hyd= ;; esac
  done
  rm -f "$SOCK" "$T/pid"
  LOG_START=$(stat -c %s "$T/nbdkit.log" 2>/dev/null || echo 0)
  # Not through a shell function: $! must be nbdkit itself.
  "${NBDKIT[@]}" -f -v -U "$SOCK" -P "$T/pid" "$PLUGIN" "$@" $hyd \
    >>"$T/nbdkit.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 1 300); do
    if [ -S "$SOCK" ] && [ -s "$T/pid" ]; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" || true
      SERVER_PID=
      fail "nbdkit did not start (see $T/nbdkit.log)"
    fi
    sleep 0.05
  done
  fail "nbdkit did not create $SOCK"
}

# Stop the server cleanly (SIGTERM); fails unless it shut down normally
# (nbdkit exits with 0 or, after cleanup, by the signal: 143).
#
# With libasan preloaded, nbdkit 1.32 hangs in exit (p11-kit's destructor
# waits for glibc's locale lock) in any process that called strerror; a
# trivial plugin does the same. LeakSanitizer has reported by then, so in
# sanitizer builds a server still there after its leak report had time to
# appear is killed, and only a report fails the test.
stop_server () {
  local rc=0 i
  [ -n "$SERVER_PID" ] || return 0
  if [ "${OX_SANITIZE:-0}" = 1 ]; then
    # nbdkit 1.32 exits without joining connection threads still closing
    # (e.g. after a client was killed), and LeakSanitizer then reports its
    # connection and our handle: wait until every opened handle is closed.
    for i in $(seq 1 100); do
      [ "$(_log_count "ox: open returned handle")" = \
        "$(_log_count "debug: ox: close")" ] && break
      sleep 0.1
    done
  fi
  kill "$SERVER_PID"
  if [ "${OX_SANITIZE:-0}" = 1 ]; then
    for i in $(seq 1 200); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if grep -q "ERROR: LeakSanitizer" "$T/nbdkit.log"; then
      sed -n '/ERROR: LeakSanitizer/,/SUMMARY:/p' "$T/nbdkit.log" | awk 'NR <= 80' 
      fail "nbdkit leaked memory"
    fi
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "note: nbdkit hung in exit after cleanup (libasan + p11-kit)"
      kill -9 "$SERVER_PID"
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=
      return 0
    fi
  fi
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=
  [ $rc -eq 0 ] || [ $rc -eq 143 ] || fail "nbdkit exited with status $rc"
}

# Lines of this server's log (since start_server) that contain $1.
_log_count () {
  tail -c +$((${LOG_START:-0} + 1)) "$T/nbdkit.log" | grep -cF -- "$1" || true
}

# Kill the server without warning.
crash_server () {
  [ -n "$SERVER_PID" ] || return 0
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# Check the server is still alive.
server_alive () {
  [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null \
    || fail "nbdkit died"
}

# Run a Python script (stdin) with h = a connection to the server;
# SCRIPT_ARGS are in sys.argv[1:].
nbdpy () {
  timeout 300 $PY -c '
import nbd, sys
h = nbd.NBD()
h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
h.connect_uri(sys.argv[1])
src = sys.stdin.read()
sys.argv = sys.argv[1:]
exec(compile(src, "<test>", "exec"))
h.shutdown()
' "$URI" "$@"
}

# The last "ox stats" counter NAME from the log (after stop_server).
stat_of () {
  grep -o "ox stats: .*" "$T/nbdkit.log" | tail -1 \
    | grep -o " $1=[0-9]*" | cut -d= -f2
}

# Wait until the overlay DIR records that it is complete (hydration done),
# for at most SECONDS (default 120).
wait_complete () {
  local dir=$1 secs=${2:-120} i
  for i in $(seq 1 $((secs * 10))); do
    grep -qx "complete=1" "$dir/ox-overlay" 2>/dev/null && return 0
    server_alive
    sleep 0.1
  done
  fail "overlay $dir did not become complete in $secs s"
}

# Sum of KEY over the lines of a stats-file FILE.
stats_sum () {
  grep -o " $2=[0-9]*" "$1" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }'
}

# Number of chunks of IMAGE (CHUNK bytes each) that hold data (not zeros).
data_chunks () {
  $PY - "$1" "$2" <<'PYEOF'
import sys
d = open(sys.argv[1], "rb").read()
c = int(sys.argv[2])
print(sum(1 for i in range(0, len(d), c) if any(d[i:i + c])))
PYEOF
}
