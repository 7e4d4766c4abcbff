#!/usr/bin/env bash
# nbdkit-ox-plugin: readahead of a sequential reader reads runs of adjacent
# frames of a segment with one ranged read each, fetching every chunk once;
# random reads do not trigger readahead, so they fetch only what they read.
source "$(dirname "$0")/plugin-lib.sh"
requires nbdcopy

SIZE=$((16 * 1024 * 1024 + 12288))
CHUNK=65536
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol $CHUNK >/dev/null
want=$(data_chunks "$T/src.img" $CHUNK)

echo "== sequential: coalesced readahead"
start_server store="$T/store" volume=vol overlay="$T/ov1" hydrate=off
timeout 120 nbdcopy --connections=1 --requests=1 "$URI" "$T/copy.img"
stop_server
cmp "$T/src.img" "$T/copy.img" || fail "clone differs"
[ "$(stat_of fetches)" -eq "$want" ] \
  || fail "fetched $(stat_of fetches) chunks, expected $want (each once)"
[ "$(stat_of readahead_fetches)" -gt $((want / 2)) ] \
  || fail "readahead made only $(stat_of readahead_fetches) of $want fetches"
[ "$(stat_of run_reads)" -gt 0 ] || fail "no coalesced reads"
# Runs end at ZERO chunks and segment ends, and a demand read that
# overtakes readahead (slow sanitizer builds) fetches one chunk; still
# clearly fewer reads than chunks (about a third on an idle machine).
[ "$(stat_of store_reads)" -le $((want * 2 / 3)) ] \
  || fail "$(stat_of store_reads) reads of the store for $want chunks"

echo "== random: no readahead beyond what is read"
start_server store="$T/store" volume=vol overlay="$T/ov2" hydrate=off
nbdpy "$T/src.img" > "$T/read" <<'PY'
import random
src = open(sys.argv[1], "rb").read()
C = 65536
r = random.Random(5)
chunks = set()
for _ in range(60):
    off = r.randrange(0, len(src) - 4096) & ~4095
    assert h.pread(4096, off) == src[off:off + 4096]
    if any(src[off // C * C:(off // C + 1) * C]):
        chunks.add(off // C)
print(len(chunks))
PY
stop_server
read_chunks=$(cat "$T/read")
[ "$(stat_of fetches)" -le $((read_chunks + 2)) ] \
  || fail "random reads of $read_chunks chunks fetched $(stat_of fetches)"
echo OK
