#!/usr/bin/env bash
# oxsnap key: the life of a store's key slots. A key-file store gets a
# passphrase slot, which restores the same bytes; the key-file slot is
# removed (a warning: it was the one opened) and the key file no longer
# opens the store; passwd replaces the passphrase in its slot (the old one
# is refused, the new one restores); the last slot cannot be removed;
# removed slots stay as empty slots that keep the later slots' indices,
# and add reuses them; key list (text and --json) shows types, scrypt
# costs and the slot the given key opens. Errors: an unencrypted store, a
# wrong current key, no current key, no new key, a new key already in the
# store, a slot not in use; none changes ox-store.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 300000 /dev/urandom >"$T/src"
printf 'first passphrase\n' >"$T/p1"
printf 'second passphrase\n' >"$T/p2"
chmod 600 "$T/p1" "$T/p2"
S=$T/store

echo "== init with a key file, snapshot"
ox init "$S" --key-file "$T/key"
ox snapshot "$T/src" "$S" --volume v -q --key-file "$T/key" >/dev/null
ox key list "$S" >"$T/list"
assert_grep '^SLOT +TYPE +DETAILS$' "$T/list"
assert_grep '^0 +key-file$' "$T/list"
[ "$(wc -l <"$T/list")" -eq 2 ] || fail "key list: not one slot"

echo "== add a passphrase slot; it restores the same bytes"
ox key add "$S" --key-file "$T/key" --new-passphrase-file "$T/p1"
assert_grep '^oxsnap: added key slot 1 \(passphrase\) to ' "$T/stderr"
ox key list "$S" --passphrase-file "$T/p1" >"$T/list"
assert_grep '^0 +key-file$' "$T/list"
assert_grep '^1 +passphrase +scrypt N=2\^15 r=8 p=1 \(opened by the given key\)$' "$T/list"
ox key list "$S" --key-file "$T/key" >"$T/list"
assert_grep '^0 +key-file +\(opened by the given key\)$' "$T/list"
ox key list "$S" --json --passphrase-file "$T/p1" >"$T/json"
"$PYTHON" - "$T/json" "$S" <<'PY' || fail "key list --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["store"] == sys.argv[2], d
assert d["slots_in_use"] == 2, d
assert d["slots"] == [
    {"index": 0, "type": "key-file", "opened": False},
    {"index": 1, "type": "passphrase", "scrypt_log2_n": 15, "scrypt_r": 8,
     "scrypt_p": 1, "opened": True}], d
PY
ox restore "$S" v "$T/out1" -q --passphrase-file "$T/p1"
assert_same "$T/src" "$T/out1"

echo "== errors change nothing"
cp "$S/ox-store" "$T/before"
new_key "$T/wrong"
new_key "$T/k9"
expect_fail 1 "wrong key or passphrase for store $S" \
  key add "$S" --key-file "$T/wrong" --new-key-file "$T/k9"
expect_fail 1 "key add: give the current key with --key-file F or --passphrase-file F" \
  key add "$S" --new-key-file "$T/k9"
expect_fail 2 "key add: give the new key with --new-key-file F or --new-passphrase-file F" \
  key add "$S" --key-file "$T/key"
expect_fail 2 "key passwd: give the new key" \
  key passwd "$S" --key-file "$T/key" --new-key-file "$T/k9" --new-passphrase-file "$T/p2"
expect_fail 1 "$T/p1 already opens key slot 1 of $S: nothing added" \
  key add "$S" --key-file "$T/key" --new-passphrase-file "$T/p1"
expect_fail 1 "the new passphrase is the current one: nothing changed" \
  key passwd "$S" --passphrase-file "$T/p1" --new-passphrase-file "$T/p1"
expect_fail 1 "store $S has no key slot 2 in use" \
  key remove "$S" 2 --key-file "$T/key"
expect_fail 2 "SLOT: expected a number from 0 to 63, not 'x'" \
  key remove "$S" x --key-file "$T/key"
expect_fail 1 "wrong key or passphrase" key remove "$S" 1 --key-file "$T/wrong"
expect_fail 1 "wrong key or passphrase" key list "$S" --key-file "$T/wrong"
expect_fail 2 "--json applies to key list, not to key add" \
  key add "$S" --json --key-file "$T/key" --new-key-file "$T/k9"
expect_fail 2 "usage: oxsnap key list STORE" key frobnicate "$S"
expect_fail 2 "usage: oxsnap key list STORE" key
assert_same "$T/before" "$S/ox-store"
[ ! -e "$S/locks/ox-store" ] || fail "a lock was left behind"

echo "== remove the key-file slot (the one opened: a warning)"
ox key remove "$S" 0 --key-file "$T/key"
assert_grep "warning: key slot 0 is the one the given key opened: that key no longer opens $S" "$T/stderr"
assert_grep "^oxsnap: removed key slot 0 of $S\$" "$T/stderr"
expect_fail 1 "store $S has no key slot for a key file \(try --passphrase-file\)" \
  restore "$S" v "$T/out-no" --key-file "$T/key"
assert_absent "$T/out-no"
ox key list "$S" >"$T/list"
assert_grep '^0 +empty$' "$T/list"
assert_grep '^1 +passphrase +scrypt' "$T/list"
# Slot 0 is all zeros (type 0); slot 1 still opens at index 1.
[ "$(od -An -tx1 -v -j 36 -N 108 "$S/ox-store" | tr -d ' \n' | tr -d 0)" = "" ] ||
  fail "the removed slot is not zeroed"
ox restore "$S" v "$T/out2" -q --passphrase-file "$T/p1"
assert_same "$T/src" "$T/out2"

echo "== the last slot cannot be removed"
cp "$S/ox-store" "$T/before"
expect_fail 1 "key slot 1 is the last of store $S: refusing to remove it" \
  key remove "$S" 1 --passphrase-file "$T/p1"
assert_same "$T/before" "$S/ox-store"

echo "== passwd: the new passphrase replaces the old in slot 1"
ox key passwd "$S" --passphrase-file "$T/p1" --new-passphrase-file "$T/p2"
assert_grep "^oxsnap: key slot 1 of $S now opens with $T/p2 \(passphrase; was passphrase\)\$" "$T/stderr"
expect_fail 1 "wrong key or passphrase for store $S" \
  restore "$S" v "$T/out-old" --passphrase-file "$T/p1"
assert_absent "$T/out-old"
ox restore "$S" v "$T/out3" -q --passphrase-file "$T/p2"
assert_same "$T/src" "$T/out3"
ox key list "$S" --passphrase-file "$T/p2" >"$T/list"
assert_grep '^1 +passphrase +scrypt N=2\^15 r=8 p=1 \(opened by the given key\)$' "$T/list"

echo "== add reuses the empty slot 0, creating a new key file (mode 0600)"
ox key add "$S" --passphrase-file "$T/p2" --new-key-file "$T/newkey"
assert_grep '^oxsnap: added key slot 0 \(key-file\) to ' "$T/stderr"
[ "$(stat -c %s "$T/newkey")" -eq 32 ] || fail "new key file is not 32 bytes"
[ "$(stat -c %a "$T/newkey")" = 600 ] || fail "new key file mode is not 0600"
ox key list "$S" --key-file "$T/newkey" >"$T/list"
assert_grep '^0 +key-file +\(opened by the given key\)$' "$T/list"
ox verify "$S" --full -q --key-file "$T/newkey" >"$T/verify"
assert_grep '^v@[0-9a-f]{16}: ok$' "$T/verify"

echo "== removing the last slot of the table drops it; passwd across types"
ox key remove "$S" 1 --key-file "$T/newkey"
[ "$(stat -c %s "$S/ox-store")" -eq $((36 + 108 + 32)) ] ||
  fail "ox-store kept a trailing empty slot"
ox key passwd "$S" --key-file "$T/newkey" --new-passphrase-file "$T/p1"
assert_grep "now opens with $T/p1 \(passphrase; was key-file\)" "$T/stderr"
expect_fail 1 "no key slot for a key file" list "$S" --key-file "$T/newkey"
ox restore "$S" v "$T/out4" -q --passphrase-file "$T/p1"
assert_same "$T/src" "$T/out4"

echo "== an unencrypted store has no key slots"
ox init "$T/plain" --no-encryption
for args in "list $T/plain" "add $T/plain --key-file $T/k9 --new-key-file $T/k10" \
  "remove $T/plain 0 --key-file $T/k9" \
  "passwd $T/plain --key-file $T/k9 --new-key-file $T/k10"; do
  # shellcheck disable=SC2086
  expect_fail 1 "store $T/plain is not encrypted: it has no key slots" key $args
done
[ ! -e "$T/k10" ] || fail "a new key file was created for an unencrypted store"
[ ! -e "$T/plain/locks" ] || fail "a lock was taken on an unencrypted store"
expect_fail 1 "store directory $T/none does not exist" key list "$T/none"
echo PASS
