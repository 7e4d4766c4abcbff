# ox: shared by test-oxsnap-nbd.sh and test-s3-nbd.sh (sourced after
# oxsnap-common.sh, not a test): a qcow2 image exported by qemu-nbd.
#
# nbd_cases STORE [OXSNAP OPTIONS...]: into STORE (made already), a full
# snapshot of the export (holes unread, bytes exact); a persistent dirty
# bitmap added by qemu-img bitmap --add and writes through qemu-io, then
# --dirty-bitmap reads only the dirty chunks, restores exactly and equals a
# full read; a bitmap started at another snapshot, a missing bitmap, a
# resized image and bad usage are refused, publishing nothing.

for p in qemu-nbd qemu-img qemu-io; do
  command -v "$p" >/dev/null || { echo "$0: SKIP: $p is not installed"; exit 77; }
done

SOCK=$T/nbd.sock
URI="nbd+unix:///?socket=$SOCK"
QPID=

# serve IMAGE [QEMU-NBD ARGS...]: export the qcow2 IMAGE read-only.
serve () {
  local img="$1"
  shift
  rm -f "$SOCK" "$T/qemu-nbd.pid"
  qemu-nbd --fork --persistent --read-only -f qcow2 -k "$SOCK" \
    --pid-file "$T/qemu-nbd.pid" "$@" "$img"
  QPID=$(cat "$T/qemu-nbd.pid")
}
unserve () {
  if [ -n "$QPID" ]; then
    kill "$QPID" 2>/dev/null || true
    while kill -0 "$QPID" 2>/dev/null; do sleep 0.05; done
  fi
  QPID=
}
on_exit unserve

# raw IMAGE OUT: the image's bytes as qemu reads them.
raw () { qemu-img convert -f qcow2 -O raw "$1" "$2"; }

nbd_cases () {
  local S=$1 s0 s1 s2 o0 n img
  shift
  local -a K=("$@")
  # nsnaps VOLUME: how many snapshots it has.
  nsnaps () {
    ox list "$S" "$1" --json "${K[@]}" >"$T/list.json"
    "$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["snapshots"]))' "$T/list.json"
  }
  img=$T/disk.qcow2
  qemu-img create -q -f qcow2 "$img" 32M
  qemu-io -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -P 0x22 8M 2M' \
    -c 'write -P 0x33 31M 1M' -c 'write -z 20M 1M' "$img" >/dev/null

  echo "== a full snapshot of an NBD export: holes unread, bytes exact"
  serve "$img"
  s0=$(ox snapshot "$URI" "$S" --volume disk "${K[@]}")
  # 256 KiB chunks: 1 + 2 + 1 MiB of data are 16 chunks; the rest are holes.
  assert_grep "disk@$s0: 32\.00 MiB volume, 128 chunks \(16 with data" "$T/stderr"
  unserve
  raw "$img" "$T/want0"
  ox restore "$S" "disk@$s0" "$T/out" "${K[@]}"
  assert_same "$T/want0" "$T/out"
  rm -f "$T/out"

  echo "== a dirty bitmap started at s0: only what qemu wrote is read"
  qemu-img bitmap --add "$img" b0
  qemu-io -f qcow2 -c 'write -P 0x44 3M 64K' -c 'write -P 0x55 30M 4K' \
    -c 'write -z 8M 256K' -c 'discard 9M 512K' -c 'write -P 0x66 12M 1M' \
    "$img" >/dev/null
  raw "$img" "$T/want1"
  serve "$img" -B b0
  s1=$(ox snapshot "$URI" "$S" --volume disk --parent "disk@$s0" \
    --dirty-bitmap b0 "${K[@]}")
  # Dirty: chunks 12, 120, 32, 36-37 and 48-51. Of the 16 with data in s0,
  # 0-3, 33-35, 38-39 and 124-127 are unchanged: 13, taken unread.
  assert_grep ", 13 chunks stored before \(13 unchanged, not read\)$" "$T/stderr"
  assert_grep "; incremental from disk@$s0" "$T/stderr"
  ox restore "$S" "disk@$s1" "$T/out" "${K[@]}"
  assert_same "$T/want1" "$T/out"
  rm -f "$T/out"
  ox verify "$S" "disk@$s1" --full "${K[@]}" >/dev/null

  echo "== it equals a full read of the same image"
  s2=$(ox snapshot "$URI" "$S" --volume disk --parent "disk@$s0" "${K[@]}")
  ox diff "$S" "disk@$s1" "disk@$s2" "${K[@]}" >"$T/diff"
  [ ! -s "$T/diff" ] || { cat "$T/diff" >&2; fail "the bitmap snapshot differs from a full read"; }
  ox diff "$S" "disk@$s0" "disk@$s1" "${K[@]}" >"$T/diff"
  printf '%s\n' '3145728 262144 data' '8388608 262144 zero' '9437184 524288 zero' \
    '12582912 1048576 data' '31457280 262144 data' >"$T/want-diff"
  assert_same "$T/want-diff" "$T/diff"

  echo "== a bitmap started at another snapshot is refused"
  qemu-img create -q -f qcow2 "$T/other.qcow2" 32M
  qemu-io -f qcow2 -c 'write -P 0x77 0 32M' "$T/other.qcow2" >/dev/null
  unserve
  serve "$T/other.qcow2"
  o0=$(ox snapshot "$URI" "$S" --volume other -q "${K[@]}")
  unserve
  serve "$img" -B b0
  n=$(nsnaps disk)
  expect_fail 1 "unchanged by the source's change list but differs from the parent other@$o0" \
    snapshot "$URI" "$S" --volume disk --parent "other@$o0" --dirty-bitmap b0 "${K[@]}"
  [ "$(nsnaps disk)" = "$n" ] || fail "a refused bitmap snapshot was published"

  echo "== refusals: no such bitmap, a resize, bad usage"
  expect_fail 1 "has no dirty bitmap 'nosuch'" \
    snapshot "$URI" "$S" --volume disk --parent "disk@$s0" --dirty-bitmap nosuch "${K[@]}"
  unserve
  qemu-img create -q -f qcow2 "$T/small.qcow2" 16M
  qemu-img bitmap --add "$T/small.qcow2" b0
  serve "$T/small.qcow2" -B b0
  expect_fail 1 "is 16777216 bytes but the parent disk@$s0 is 33554432: a dirty bitmap cannot span a resize" \
    snapshot "$URI" "$S" --volume disk --parent "disk@$s0" --dirty-bitmap b0 "${K[@]}"
  expect_fail 2 "--dirty-bitmap needs --parent" \
    snapshot "$URI" "$S" --volume disk --dirty-bitmap b0 "${K[@]}"
  expect_fail 2 "--dirty-bitmap needs an NBD source" \
    snapshot "$T/want0" "$S" --volume disk --parent "disk@$s0" --dirty-bitmap b0 "${K[@]}"
  unserve
  expect_fail 1 "cannot connect to NBD source nbd\\+unix:///\\?socket=$SOCK: .*No such file" \
    snapshot "$URI" "$S" --volume disk "${K[@]}"
  [ "$(nsnaps disk)" = "$n" ] || fail "a refused snapshot was published"
}
