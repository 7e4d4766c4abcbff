#!/usr/bin/env bash
# Keys: a wrong key file or passphrase is "wrong key"; no key for an
# encrypted store, a key file of the wrong length, a missing key file, a
# passphrase for a key-file store and both kinds at once are clear errors.
# Nothing is restored and the store is not changed.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 100000 /dev/urandom >"$T/src"
new_key "$T/key"
new_key "$T/wrong"
head -c 31 /dev/urandom >"$T/short"
printf 'right phrase\n' >"$T/pass"
printf 'wrong phrase\n' >"$T/badpass"

ox init "$T/ks" --key-file "$T/key"
ox snapshot "$T/src" "$T/ks" --volume v --key-file "$T/key" >/dev/null
ox init "$T/ps" --passphrase-file "$T/pass"
ox snapshot "$T/src" "$T/ps" --volume v --passphrase-file "$T/pass" >/dev/null
(cd "$T" && find ks ps -type f -exec sha256sum {} + | sort) >"$T/before"

for cmd in "list $T/ks" "verify $T/ks --full" "info $T/ks v" "restore $T/ks v $T/out"; do
  # shellcheck disable=SC2086
  expect_fail 1 "wrong key or passphrase for store $T/ks" $cmd --key-file "$T/wrong"
  # shellcheck disable=SC2086
  expect_fail 1 "store $T/ks is encrypted: give --key-file or --passphrase-file" $cmd
done
assert_absent "$T/out"
expect_fail 1 "wrong key or passphrase" \
  snapshot "$T/src" "$T/ks" --volume v --key-file "$T/wrong"
expect_fail 1 "key file .*short must hold exactly 32 raw bytes \(it holds 31\)" \
  list "$T/ks" --key-file "$T/short"
expect_fail 1 "cannot open key file .*nokey" list "$T/ks" --key-file "$T/nokey"
[ ! -e "$T/nokey" ] || fail "a missing key file was created by list"
expect_fail 1 "no key slot for a passphrase" \
  list "$T/ks" --passphrase-file "$T/pass"
expect_fail 2 "either a key file or a passphrase file, not both" \
  list "$T/ks" --key-file "$T/key" --passphrase-file "$T/pass"

expect_fail 1 "wrong key or passphrase for store $T/ps" \
  restore "$T/ps" v "$T/out" --passphrase-file "$T/badpass"
assert_absent "$T/out"
expect_fail 1 "no key slot for a key file" restore "$T/ps" v "$T/out" \
  --key-file "$T/key"
assert_absent "$T/out"

# Nothing was changed, and the right keys still work.
(cd "$T" && find ks ps -type f -exec sha256sum {} + | sort) >"$T/after"
assert_same "$T/before" "$T/after"
ox restore "$T/ks" v "$T/out" --key-file "$T/key"
assert_same "$T/src" "$T/out"
ox restore "$T/ps" v "$T/out2" --passphrase-file "$T/pass"
assert_same "$T/src" "$T/out2"
