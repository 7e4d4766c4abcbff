#!/usr/bin/env bash
# A live NBD export with a dirty bitmap, set up the way docs/DESIGN.md
# tells a user to set up a running qemu: qemu-storage-daemon serves a
# writable qcow2 over NBD, a client writes through it, oxsnap snapshots
# it, QMP block-dirty-bitmap-add starts a bitmap, the client writes more,
# nbd-server-add exports the disk read-only with the bitmap, and oxsnap
# --dirty-bitmap snapshots only what changed: it restores to the export's
# bytes (nbdcopy) and equals a full read.
source "$(dirname "$0")/oxsnap-common.sh"

for p in qemu-storage-daemon qemu-img nbdcopy; do
  command -v "$p" >/dev/null || { echo "$0: SKIP: $p is not installed"; exit 77; }
done
$PYTHON -c 'import nbd' 2>/dev/null || { echo "$0: SKIP: python3-libnbd missing"; exit 77; }

SOCK=$T/nbd.sock
QMP=$T/qmp.sock
img=$T/disk.qcow2
qemu-img create -q -f qcow2 "$img" 64M
qemu-storage-daemon --daemonize --pidfile "$T/qsd.pid" \
  --blockdev "driver=file,node-name=file0,filename=$img" \
  --blockdev driver=qcow2,node-name=disk0,file=file0 \
  --nbd-server "addr.type=unix,addr.path=$SOCK" \
  --export type=nbd,id=rw,node-name=disk0,name=rw,writable=on \
  --chardev "socket,id=qmp,path=$QMP,server=on,wait=off" --monitor chardev=qmp
on_exit 'kill "$(cat "$T/qsd.pid")" 2>/dev/null'

# qmp COMMAND [ARGUMENTS-JSON]: run one QMP command; fail on an error.
qmp () {
  "$PYTHON" - "$QMP" "$1" "${2:-{\}}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def call(cmd, args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r: return r["return"]
        if "error" in r: sys.exit("QMP %s: %s" % (cmd, r["error"]["desc"]))
json.loads(f.readline())  # the greeting
call("qmp_capabilities", {})
call(sys.argv[2], json.loads(sys.argv[3]))
PY
}

# write_rw SEED OPS...: client writes to the writable export: "w OFF LEN"
# (random bytes), "z OFF LEN" (write zeroes), "t OFF LEN" (trim).
write_rw () {
  "$PYTHON" - "nbd+unix:///rw?socket=$SOCK" "$@" <<'PY'
import random, sys, nbd
h = nbd.NBD(); h.connect_uri(sys.argv[1]); rnd = random.Random(int(sys.argv[2]))
for op in sys.argv[3:]:
    k, off, n = op.split()
    off, n = int(off), int(n)
    if k == "w": h.pwrite(rnd.randbytes(n), off)
    elif k == "z": h.zero(n, off)
    else: h.trim(n, off)
h.flush(); h.shutdown()
PY
}

ox init "$T/store" --no-encryption
M=$((1 << 20))
write_rw 1 "w 0 $((4 * M))" "w $((20 * M)) $((3 * M))" "w $((63 * M)) $M"

echo "== the first snapshot, then a bitmap from that point on"
s0=$(ox snapshot "nbd+unix:///rw?socket=$SOCK" "$T/store" --volume vm)
qmp block-dirty-bitmap-add '{"node": "disk0", "name": "b0"}'

# day N OLD NEW PARENT WRITES...: the guest's writes of a day; then, in
# one QMP transaction, bitmap OLD stops and NEW starts; OLD is exported
# read-only and snapshotted against PARENT, checked, and dropped. Sets
# $snap to the new snapshot's id.
day () {
  local n="$1" old="$2" new="$3" parent="$4" s
  shift 4
  echo "== day $n: writes, bitmap $old -> $new, a snapshot of what $old marks"
  write_rw "$n" "$@"
  qmp transaction '{"actions": [
    {"type": "block-dirty-bitmap-disable", "data": {"node": "disk0", "name": "'"$old"'"}},
    {"type": "block-dirty-bitmap-add", "data": {"node": "disk0", "name": "'"$new"'"}}]}'
  qmp nbd-server-add '{"device": "disk0", "name": "snap", "bitmap": "'"$old"'"}'
  URI="nbd+unix:///snap?socket=$SOCK"
  nbdcopy "$URI" "$T/want"
  s=$(ox snapshot "$URI" "$T/store" --volume vm --parent "vm@$parent" --dirty-bitmap "$old")
  assert_grep "unchanged, not read\)\$" "$T/stderr"
  ox restore "$T/store" "vm@$s" "$T/out"
  assert_same "$T/want" "$T/out"
  rm -f "$T/out"
  ox verify "$T/store" "vm@$s" --full >/dev/null
  # It equals a full read of the same export.
  full=$(ox snapshot "$URI" "$T/store" --volume full --parent "vm@$parent" -q)
  ox diff "$T/store" "vm@$s" "full@$full" >"$T/diff"
  [ ! -s "$T/diff" ] || { cat "$T/diff" >&2; fail "day $n: the bitmap snapshot differs from a full read"; }
  qmp nbd-server-remove '{"name": "snap"}'
  qmp block-dirty-bitmap-remove '{"node": "disk0", "name": "'"$old"'"}'
  snap=$s
}

day 1 b0 b1 "$s0" "w $((M + 4096)) 8192" "w $((21 * M)) $((256 * 1024))" \
  "z $((2 * M)) $M" "t $((63 * M)) $((512 * 1024))" "w $((40 * M)) 4096"
day 2 b1 b2 "$snap" "w 0 4096" "w $((50 * M)) $((2 * M))" "t $((20 * M)) $M"
qmp quit
echo PASS
