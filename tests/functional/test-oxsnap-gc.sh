#!/usr/bin/env bash
# oxsnap forget and gc on file:// (oxsnap(1), DESIGN.md "Garbage collection
# while others work"; the cases are gc-lib.sh's).
source "$(dirname "$0")/plugin-lib.sh"
source "$(dirname "$0")/gc-lib.sh"
requires nbdcopy

count () { find "$T/store/$1" -type f 2>/dev/null | wc -l; }
$OXSNAP init "$T/store" --no-encryption -q
gc_cases "$T/store"
echo PASS
