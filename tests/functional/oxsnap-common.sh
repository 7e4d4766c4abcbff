# Sourced by tests/functional/test-oxsnap-*.sh: the oxsnap under test, a
# temporary directory removed on exit, and assertions.
#
# Every oxsnap run goes through `ox`, which fails the test when a sanitizer
# reports anything, whatever the exit status the test expected.

set -euo pipefail

if [ -z "${OX_BUILD:-}" ]; then
  echo "$0: OX_BUILD is not set (run under ctest)" >&2
  exit 1
fi
OXSNAP="$OX_BUILD/snapshot/oxsnap"
if [ ! -x "$OXSNAP" ]; then
  echo "$0: $OXSNAP is not built" >&2
  exit 1
fi
# shellcheck disable=SC2034 # used by the tests that source this file
OX_FUNC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The system python (a pyenv shim first on PATH is slow to start).
# shellcheck disable=SC2034
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi

# Sanitizer reports get their own exit status and are also caught by text.
export ASAN_OPTIONS="exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=86:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="exitcode=86${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
unset OX_KEY_FILE OX_PASSPHRASE_FILE

T="$(mktemp -d "${TMPDIR:-/tmp}/oxsnap-test.XXXXXX")"
# Rollback detection's marks: this test's own, never the real $HOME's.
export OX_STATE_DIR="$T/state"
OX_CLEANUP=()

# Run CMD (a string) when the test exits, before the directory goes.
on_exit () { OX_CLEANUP+=("$1"); }

ox_exit () {
  local rc=$? c
  set +e
  for c in "${OX_CLEANUP[@]}"; do
    eval "$c"
  done
  if [ -e "$T/.sanitizer" ]; then
    echo "FAIL: a sanitizer reported an error (see above)" >&2
    rc=1
  fi
  rm -rf "$T"
  exit "$rc"
}
trap ox_exit EXIT

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

# ox ARGS...: run oxsnap; its stderr is kept in $T/stderr and echoed.
ox () {
  local rc=0
  "$OXSNAP" "$@" 2>"$T/stderr" || rc=$?
  cat "$T/stderr" >&2
  if [ "$rc" -eq 86 ] || grep -qE 'Sanitizer|runtime error:' "$T/stderr"; then
    touch "$T/.sanitizer"
    echo "FAIL: sanitizer report from: oxsnap $*" >&2
    exit 1
  fi
  return "$rc"
}

# expect_fail STATUS REGEX ARGS...: oxsnap ARGS must exit with STATUS
# ("nonzero" for any failure) and print an error matching REGEX (grep -E).
expect_fail () {
  local want="$1" re="$2" rc=0
  shift 2
  ox "$@" >"$T/stdout" || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "oxsnap $* succeeded; expected exit $want"
  fi
  if [ "$want" != nonzero ] && [ "$rc" -ne "$want" ]; then
    fail "oxsnap $* exited $rc; expected $want"
  fi
  if ! grep -qE -- "$re" "$T/stderr"; then
    fail "oxsnap $* did not print /$re/ on stderr"
  fi
}

# assert_grep REGEX FILE: FILE has a line matching REGEX.
assert_grep () {
  grep -qE -- "$1" "$2" || {
    echo "--- $2:" >&2
    cat "$2" >&2
    fail "no line matching /$1/ in $2"
  }
}

# assert_same A B: files A and B hold the same bytes.
assert_same () {
  cmp -- "$1" "$2" || fail "$2 differs from $1"
}

# assert_absent PATH: a failed restore left neither PATH nor a partial file.
assert_absent () {
  [ ! -e "$1" ] || fail "$1 was left behind"
  [ ! -e "$1.oxsnap-partial" ] || fail "$1.oxsnap-partial was left behind"
}

# flip_byte FILE OFFSET [MASK]: XOR one byte of FILE in place.
flip_byte () {
  local file="$1" off="$2" mask="${3:-1}" b
  b=$(od -An -tu1 -j "$off" -N1 -- "$file" | tr -d ' ')
  [ -n "$b" ] || fail "flip_byte: offset $off is beyond $file"
  # shellcheck disable=SC2059 # the format is the octal escape of the byte
  printf "$(printf '\\%03o' $((b ^ mask)))" |
    dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

# read_le FILE OFFSET NBYTES: an unsigned little-endian integer of FILE.
read_le () {
  local v=0 i
  local -a bytes
  read -r -a bytes < <(od -An -tu1 -v -j "$2" -N "$3" -- "$1" | tr '\n' ' ')
  for ((i = ${#bytes[@]} - 1; i >= 0; i--)); do
    v=$((v * 256 + bytes[i]))
  done
  echo "$v"
}

# The object key (relative path) of the only/first segment of store dir $1.
first_segment () {
  (cd "$1" && find segments -type f ! -name '*.tmp*' | sort | sed -n 1p)
}

# count_objects DIR: how many whole objects (not temporary files) lie
# under DIR of a file store; 0 when there is no DIR.
count_objects () {
  if [ -d "$1" ]; then
    find "$1" -type f ! -name '*.tmp*' | wc -l
  else
    echo 0
  fi
}

# count_segments STORE_DIR: how many sealed segment objects it holds.
count_segments () { count_objects "$1/segments"; }

# The offset and length of frame N (default 0) of SEGMENT, from its footer
# and index, as "OFFSET LENGTH".
frame_location () {
  local seg="$1" n="${2:-0}" size idx
  size=$(stat -c %s -- "$seg")
  idx=$(read_le "$seg" $((size - 64 + 8)) 8)
  echo "$(read_le "$seg" $((idx + n * 48 + 32)) 4)" \
    "$(read_le "$seg" $((idx + n * 48 + 36)) 4)"
}

# make_image FILE SIZE: a sparse file of SIZE bytes.
make_image () {
  rm -f -- "$1"
  truncate -s "$2" -- "$1"
}

# put_data FILE OFFSET_KIB LEN_KIB SOURCE: write LEN KiB from SOURCE at
# OFFSET KiB of FILE, without truncating it.
put_data () {
  dd if="$4" of="$1" bs=1K seek="$2" count="$3" conv=notrunc \
    iflag=fullblock status=none
}

# text_data FILE SIZE: SIZE bytes of compressible text.
text_data () {
  (yes 'the quick brown fox jumps over the lazy dog' || true) |
    head -c "$2" >"$1"
}

# A random 32-byte key file.
new_key () {
  head -c 32 /dev/urandom >"$1"
}
