#!/usr/bin/env bash
# Downgrade: whoever can write to an encrypted store must not be able to
# make a key holder restore their bytes by replacing the store with an
# unencrypted one (whose checksums need no key). Given a key, oxsnap must
# refuse a store that is not encrypted.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 100000 /dev/urandom >"$T/mine"
head -c 100000 /dev/urandom >"$T/theirs"
new_key "$T/key"
ox init "$T/store" --key-file "$T/key"
ox snapshot "$T/mine" "$T/store" --volume v --key-file "$T/key" >/dev/null

# The attacker builds an unencrypted store with the same volume name and
# puts its objects in place of the real ones.
ox init "$T/evil" --no-encryption
ox snapshot "$T/theirs" "$T/evil" --volume v >/dev/null
rm -rf "$T/store"
cp -a "$T/evil" "$T/store"

rc=0
ox restore "$T/store" v "$T/out" --key-file "$T/key" || rc=$?
if [ -e "$T/out" ] && cmp -s "$T/theirs" "$T/out"; then
  fail "restore with a key gave the bytes of an unencrypted impostor store"
fi
[ "$rc" -ne 0 ] || fail "restore with a key accepted an unencrypted store"
assert_grep "not encrypted" "$T/stderr"
assert_absent "$T/out"
