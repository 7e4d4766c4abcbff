#!/usr/bin/env bash
# oxsnap snapshot OVERLAY_DIR on file:// (oxsnap(1), DESIGN.md "Sources that
# know what changed"; the cases are clone-lib.sh's): a clone written and
# read, stopped and snapshotted, restores to what the clone serves and
# reads only the chunks its client wrote.
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/clone-lib.sh"
requires nbdcopy

make_image "$T/src.img" $((16 * 1024 * 1024))
base=$(make_store "$T/src.img" gold 65536)
clone_cases "$T/store" "$base"
echo PASS
