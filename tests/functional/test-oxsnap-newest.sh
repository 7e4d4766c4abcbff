#!/usr/bin/env bash
# "VOLUME alone means its newest snapshot": a snapshot taken after another
# one is the newest, even when both are taken within the same second.
# (Snapshot ids carry seconds in their upper 40 bits and random lower bits,
# so the writer must make a later snapshot's id the greater one.)
source "$(dirname "$0")/oxsnap-common.sh"

ox init "$T/store" --no-encryption
printf 'A' >"$T/a"
printf 'B' >"$T/b"
for i in 1 2 3 4 5 6 7 8; do
  ox snapshot "$T/a" "$T/store" --volume v -q >/dev/null
  b=$(ox snapshot "$T/b" "$T/store" --volume v -q)
  ox info "$T/store" v >"$T/info"
  assert_grep "^snapshot: +$b\$" "$T/info"
  ox list "$T/store" >"$T/list"
  assert_grep "^v +$((2 * i)) +$b " "$T/list"
done
