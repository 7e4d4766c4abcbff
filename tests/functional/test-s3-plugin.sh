#!/usr/bin/env bash
# ox: nbdkit-ox-plugin cloning a snapshot from s3:// on a real S3 server
# (Swift with s3api): the clone reads like its source (HTTP, then HTTPS
# with ca-bundle=), writes persist across restarts; with a private server,
# the server stopped during clone reads gives EIO after the retries, and
# once it is back the same reads succeed.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/s3-lib.sh"
requires qemu-img nbdcopy

s3_server_start
s3_new_bucket oxplugin
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/store

SIZE=$((16 * 1024 * 1024 + 12288))
make_image "$T/src.img" $SIZE
$OXSNAP init "$S" --no-encryption -q
$OXSNAP snapshot "$T/src.img" "$S" --volume vol --chunk-size 65536 \
  --no-progress -q

echo "== a clone over HTTP reads like its source"
start_server store="$S" volume=vol overlay="$T/ov"
timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
timeout 120 nbdcopy "$URI" "$T/copy.img"
cmp "$T/src.img" "$T/copy.img"

echo "== writes persist across a restart"
nbdpy <<'EOF'
h.pwrite(b"\x5a" * 70000, 1000000)
h.flush()
EOF
stop_server
cp "$T/src.img" "$T/want.img"
$PY -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(1000000); f.write(b"\x5a" * 70000)' \
  "$T/want.img"
start_server store="$S" overlay="$T/ov"
timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/want.img"
stop_server

echo "== a fresh clone over HTTPS with ca-bundle="
start_server store="$S" volume=vol overlay="$T/ov2" \
  endpoint="$OX_S3_HTTPS_ENDPOINT" ca-bundle="$OX_S3_CA_BUNDLE"
timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
stop_server

if [ "$S3_OWN_SERVER" = 1 ]; then
  srv=$S3_SERVER_SCRIPT
  echo "== server stopped during clone reads: EIO, then the reads succeed"
  start_server store="$S" volume=vol overlay="$T/ov3" readahead=0
  on_exit "\"$srv\" proxy-start >/dev/null 2>&1 || true"
  "$srv" proxy-stop
  nbdpy "$T/src.img" <<'EOF'
import errno
want = open(sys.argv[1], "rb").read()
try:
    h.pread(65536, 4 * 1048576)
    raise SystemExit("a read with the store down succeeded")
except nbd.Error as e:
    assert e.errno in ("EIO", errno.EIO), "errno %r, not EIO" % e.errno
EOF
  "$srv" proxy-start
  nbdpy "$T/src.img" <<'EOF'
want = open(sys.argv[1], "rb").read()
assert h.pread(65536, 4 * 1048576) == want[4 * 1048576:4 * 1048576 + 65536]
EOF
  server_alive
  timeout 120 qemu-img compare -f raw -F raw "$URI" "$T/src.img"
  stop_server
  grep -q "error: GET s3://$bucket/store/.*3 tries" "$T/nbdkit.log" ||
    fail "the log does not name the object that could not be read"
fi
echo PASS
