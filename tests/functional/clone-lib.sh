# ox: shared by test-oxsnap-clone.sh and test-s3-clone.sh (sourced after
# plugin-lib.sh, not a test).
#
# clone_cases STORE BASE: with snapshot gold@BASE of $T/src.img (16 MiB, 64
# KiB chunks) in STORE, a clone served by nbdkit-ox-plugin is written
# (writes, zeroes, trims) and read (so some blocks hydrate), then stopped;
# its overlay is snapshotted as volume vm1: the snapshot restores to what
# the clone serves (nbdcopy), names the basis as its parent, reads only the
# chunks with blocks the client wrote (the written map), and verifies; a
# second run and snapshot; while the clone is served the overlay is
# refused; --parent and --full are refused; an overlay made from another
# store is refused.
clone_cases () {
  local ST=$1 base=$2 id id2 unread want args
  start_server store="$ST" volume=gold overlay="$T/ov"
  nbdpy <<'PY'
import random
r = random.Random(3)
for i in range(20):
    h.pwrite(r.randbytes(4096 * r.randint(1, 8)), r.randrange(3000) * 4096)
h.pwrite(b"\x42" * 1000, 5 * 65536 + 123)      # unaligned
h.zero(3 * 65536, 40 * 65536)                  # whole chunks zeroed
h.trim(65536, 100 * 65536)
h.pread(8 * 65536, 200 * 65536)                # hydrated only (demand)
h.flush()
PY

  echo "== a served clone is refused"
  if $OXSNAP snapshot "$T/ov" "$ST" --volume vm1 2>"$T/err"; then
    fail "a served overlay was snapshotted"
  fi
  grep -q "is in use by a running nbdkit-ox-plugin" "$T/err" || { cat "$T/err" >&2; fail "no clear error"; }
  stop_server

  echo "== the overlay, snapshotted as a new volume"
  $OXSNAP snapshot "$T/ov" "$ST" --volume vm1 2>"$T/err" >"$T/id" || { cat "$T/err" >&2; fail "snapshot of the overlay failed"; }
  cat "$T/err"
  id=$(cat "$T/id")
  grep -qE "; incremental from gold@$base, [0-9]+ chunks stored before \([0-9]+ unchanged, not read\)$" "$T/err" ||
    fail "the summary does not name the basis and the unread chunks"
  unread=$(sed -n 's/.*(\([0-9]*\) unchanged, not read)$/\1/p' "$T/err")
  # The overlay (format version 2) tells written blocks from hydrated ones:
  # the chunks read (200-207) are local but not written. Exactly the chunks
  # with no written block (16 blocks a chunk) and data in the basis are
  # taken unread.
  head -1 "$T/ov/ox-overlay" | grep -qx "ox-overlay 2" || fail "not a version 2 overlay"
  want=$($PY - "$T/ov/map" "$T/ov/written" "$T/src.img" <<'PY'
import sys
m, w = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
src = open(sys.argv[3], "rb").read()
bit = lambda f, b: f[b // 8] >> (b % 8) & 1
assert all(bit(m, b) for b in range(4096) if bit(w, b)), "written but not local"
assert any(bit(m, b) for b in range(200 * 16, 208 * 16)), "nothing hydrated"
n = 0
for c in range(256):
    written = any(bit(w, b) for b in range(c * 16, c * 16 + 16))
    if c in range(200, 208) and src[c * 65536:(c + 1) * 65536] != bytes(65536):
        assert not written, "chunk %d was only read, yet written" % c
    n += not written and any(src[c * 65536:(c + 1) * 65536])
print(n)
PY
  )
  [ "$unread" = "$want" ] || fail "$unread chunks taken unread, not $want"
  # What the clone serves (read after the snapshot: reading hydrates).
  start_server store="$ST" volume=gold overlay="$T/ov"
  nbdcopy "$URI" "$T/served.img"
  stop_server
  $OXSNAP restore "$ST" "vm1@$id" "$T/out.img" -q
  cmp "$T/served.img" "$T/out.img" || fail "the snapshot differs from what the clone served"
  $OXSNAP verify "$ST" "vm1@$id" --full -q
  $OXSNAP info "$ST" "vm1@$id" >"$T/info"
  grep -qE "^parent: +gold@$base\$" "$T/info" || { cat "$T/info" >&2; fail "no parent in info"; }

  echo "== a second clone run on the same overlay, then a second snapshot"
  start_server store="$ST" volume=gold overlay="$T/ov"
  nbdpy <<'PY'
h.pwrite(b"\x99" * 65536, 7 * 65536)
h.flush()
PY
  stop_server
  id2=$($OXSNAP snapshot "$T/ov" "$ST" --volume vm1 -q)
  start_server store="$ST" volume=gold overlay="$T/ov"
  nbdcopy "$URI" "$T/served2.img"
  stop_server
  $OXSNAP restore "$ST" "vm1@$id2" "$T/out2.img" -q
  cmp "$T/served2.img" "$T/out2.img" || fail "the second snapshot differs"

  echo "== refusals"
  for args in "--parent gold" "--full"; do
    # shellcheck disable=SC2086 # two words
    if $OXSNAP snapshot "$T/ov" "$ST" --volume vm2 $args 2>"$T/err"; then
      fail "$args was accepted for an overlay"
    fi
    grep -q "snapshotted against its basis: no --parent or --full" "$T/err" || fail "no error for $args"
  done
  $OXSNAP init "$T/other" --no-encryption -q
  $OXSNAP snapshot "$T/src.img" "$T/other" --volume gold --chunk-size 64K -q >/dev/null
  if $OXSNAP snapshot "$T/ov" "$T/other" --volume vm2 2>"$T/err"; then
    fail "an overlay of another store was snapshotted"
  fi
  grep -qE "snapshot .* not found|another store" "$T/err" || { cat "$T/err" >&2; fail "no error for another store"; }
}
