#!/usr/bin/env bash
# NBD sources on file:// (oxsnap(1) snapshot; nbd-lib.sh): a qcow2 image
# exported by qemu-nbd, read with libnbd, holes skipped; --dirty-bitmap
# with a bitmap added by qemu-img bitmap --add and writes through qemu-io
# reads only the dirty chunks and equals a full read; a wrong parent, a
# missing bitmap, a resize and bad usage are refused.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/nbd-lib.sh"

new_key "$T/key"
chmod 600 "$T/key"
ox init "$T/store" --key-file "$T/key"
nbd_cases "$T/store" --key-file "$T/key"
echo PASS
