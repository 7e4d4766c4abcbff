#!/usr/bin/env bash
# nbdkit-ox-plugin: a clone reads exactly like its source image, fetches
# each data chunk once, skips ZERO chunks, and is fully local afterwards.
source "$(dirname "$0")/plugin-lib.sh"
requires qemu-img qemu-io nbdcopy nbdinfo

SIZE=$((24 * 1024 * 1024 + 12288)) # not a multiple of the chunk size
make_image "$T/src.img" $SIZE
make_store "$T/src.img" vol 65536 >/dev/null

start_server store="$T/store" volume=vol overlay="$T/ov"
[ "$(nbdinfo --size "$URI")" = $SIZE ] || fail "wrong size"
for c in multi-conn flush fua trim zero fast-zero cache; do
  nbdinfo --can $c "$URI" || fail "cannot $c"
done
timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
timeout 120 nbdcopy "$URI" "$T/copy.img"
cmp "$T/src.img" "$T/copy.img"
stop_server

# Each chunk with data was fetched once; ZERO chunks never.
nchunks=$(( (SIZE + 65535) / 65536 ))
zero_chunks=$($PY - "$T/src.img" <<'PYEOF'
import sys
d = open(sys.argv[1], "rb").read()
print(sum(1 for i in range(0, len(d), 65536) if not any(d[i:i+65536])))
PYEOF
)
fetches=$(stat_of fetches)
[ "$fetches" -eq $((nchunks - zero_chunks)) ] \
  || fail "fetched $fetches chunks, expected $((nchunks - zero_chunks))"
[ "$(stat_of fetch_errors)" -eq 0 ] || fail "fetch errors"

# A restart serves everything from the overlay: no fetch at all.
start_server store="$T/store" overlay="$T/ov"
timeout 120 nbdcopy "$URI" "$T/copy2.img"
cmp "$T/src.img" "$T/copy2.img"
timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
stop_server
[ "$(stat_of fetches)" -eq 0 ] || fail "a local clone fetched again"

# Read-only (-r): clients cannot write; reads still fill the overlay.
timeout 120 "${NBDKIT[@]}" -r -U - "$PLUGIN" store="$T/store" volume=vol \
  overlay="$T/ro" --run "$CLIENT_ENV nbdinfo --is read-only \"\$uri\" &&
    $CLIENT_ENV nbdcopy \"\$uri\" '$T/ro.img' &&
    ! $CLIENT_ENV qemu-io -f raw -c 'write 0 4096' \"\$uri\" 2>/dev/null" \
  > "$T/ro.out" 2>&1 || { cat "$T/ro.out"; fail "read-only server"; }
cmp "$T/src.img" "$T/ro.img"
[ "$(stat -c %b "$T/ro/data")" -gt 0 ] || fail "-r did not copy on read"
echo "OK"
