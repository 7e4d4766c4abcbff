#!/usr/bin/env bash
# nbdkit-ox-plugin: start-up errors are clear and nbdkit exits non-zero:
# missing store, missing or wrong key, unknown snapshot or tag, foreign,
# mismatched or busy overlay directory, or one under a file; missing
# parents of a new overlay are created. Encrypted stores open
# with key-file= and passphrase=+FILE; a reopen needs no volume=.
source "$(dirname "$0")/plugin-lib.sh"

$PY -c 'import sys; open(sys.argv[1], "wb").write(bytes(range(256)) * 4096)' \
  "$T/src.img"
head -c 32 /dev/urandom > "$T/other.key"
$OXSNAP init "$T/store" --key-file "$T/store.key" -q
id1=$($OXSNAP snapshot "$T/src.img" "$T/store" --key-file "$T/store.key" \
        --volume vol --no-progress -q)
sleep 1.1   # snapshot ids are ordered by seconds
id2=$($OXSNAP snapshot "$T/src.img" "$T/store" --key-file "$T/store.key" \
        --volume vol --tag stable --no-progress -q)
[ "$id1" != "$id2" ] || fail "same snapshot id twice"

# Expect start-up to fail with a message matching PATTERN.
must_fail () {
  local pattern=$1; shift
  rm -f "$T/err"
  if timeout 30 "${NBDKIT[@]}" -U - "$PLUGIN" "$@" --run true 2>"$T/err"; then
    fail "started with: $*"
  fi
  [ -z "$SHOW_ERRORS" ] || cat "$T/err"
  grep -q -i -e "$pattern" "$T/err" || {
    cat "$T/err"; fail "no message matching '$pattern' for: $*"
  }
}
# (Hydration off: a complete overlay would open without the store or key.)
must_start () {
  timeout 30 "${NBDKIT[@]}" -U - "$PLUGIN" "$@" hydrate=off --run 'nbdinfo --size "$uri"' \
    > "$T/out" 2>"$T/err" || { cat "$T/err"; fail "did not start: $*"; }
  [ "$(cat "$T/out")" = 1048576 ] || fail "wrong size"
}
requires nbdinfo
K="key-file=$T/store.key"

must_fail "required" store="$T/store"
must_fail "no such\|not found\|does not exist\|no ox store" \
  store="$T/nostore" volume=vol overlay="$T/ov" "$K"
must_fail "key" store="$T/store" volume=vol overlay="$T/ov"
must_fail "wrong key\|key.*wrong\|does not open\|no key slot" \
  store="$T/store" volume=vol overlay="$T/ov" key-file="$T/other.key"
must_fail "not found\|no snapshot\|unknown" \
  store="$T/store" volume=vol@0000000000000001 overlay="$T/ov" "$K"
must_fail "no snapshot\|not found\|unknown" \
  store="$T/store" volume=novol overlay="$T/ov" "$K"
must_fail "tag" store="$T/store" volume=vol:nosuchtag overlay="$T/ov" "$K"
touch "$T/plainfile"
must_fail "not a directory" store="$T/store" volume=vol \
  overlay="$T/plainfile/sub/ov" "$K"
# Missing parents are created, as the README's example needs (store
# URL, VOLUME:TAG, overlay=/var/lib/ox/clone1 on a fresh machine): mkdir -p
# semantics, the overlay directory itself mode 0700.
must_start store="file://$T/store" volume=vol:stable \
  overlay="$T/var/lib/ox/clone1" "$K"
[ "$(stat -c %a "$T/var/lib/ox/clone1")" = 700 ] || fail "overlay mode not 0700"
[ -d "$T/var/lib" ] || fail "parents not created"
grep -qx "snapshot=$id2" "$T/var/lib/ox/clone1/ox-overlay" ||
  fail "the clone is not of vol:stable"
must_fail "give volume=" store="$T/store" overlay="$T/ov" "$K"
mkdir "$T/foreign"
echo precious > "$T/foreign/file"
must_fail "not an ox overlay" store="$T/store" volume=vol overlay="$T/foreign" "$K"
[ "$(cat "$T/foreign/file")" = precious ] || fail "foreign file touched"

# Create the overlay from the first snapshot; reopen in several ways.
must_start store="$T/store" volume=vol@$id1 overlay="$T/ov" "$K"
must_start store="$T/store" overlay="$T/ov" "$K"
must_start store="$T/store" volume=vol overlay="$T/ov" "$K" # pinned one
must_fail "clone of vol@$id1, not of vol@$id2" \
  store="$T/store" volume=vol@$id2 overlay="$T/ov" "$K"
must_fail "clone of vol@$id1, not of vol@$id2" \
  store="$T/store" volume=vol:stable overlay="$T/ov" "$K"
# A tag resolves for a new overlay; a file:// URL names the same store.
must_start store="file://$T/store" volume=vol:stable overlay="$T/ov2" "$K"

# One server per overlay.
start_server store="$T/store" overlay="$T/ov" "$K"
must_fail "in use" store="$T/store" overlay="$T/ov" "$K"
stop_server

# A passphrase store, with passphrase=+FILE.
echo "correct horse battery staple" > "$T/pass"
$OXSNAP init "$T/pstore" --passphrase-file "$T/pass" -q
$OXSNAP snapshot "$T/src.img" "$T/pstore" --passphrase-file "$T/pass" \
  --volume pv --no-progress -q >/dev/null
must_start store="$T/pstore" volume=pv overlay="$T/pov" passphrase=+"$T/pass"
echo "wrong" > "$T/wrongpass"
must_fail "wrong\|passphrase" store="$T/pstore" volume=pv overlay="$T/pov" \
  passphrase=+"$T/wrongpass"
must_fail "not both" store="$T/pstore" volume=pv overlay="$T/pov" \
  passphrase=+"$T/pass" "$K"
echo OK
