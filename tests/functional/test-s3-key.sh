#!/bin/bash
# ox: oxsnap key on s3:// against a real S3 server: a passphrase slot
# added restores the snapshot, the key-file slot removed no longer opens
# it, passwd; two key add runs at once for 3 rounds lose no slot (the lock
# locks/ox-store is a create-only PUT, or the server's fallback); a stale
# lock: a clear error after --lock-timeout, --break-lock removes it.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"
source "$(dirname "$0")/key-lib.sh"

s3_server_start
s3_new_bucket oxkey
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/stores/k

head -c 300000 /dev/urandom >"$T/src"
printf 'first passphrase\n' >"$T/p1"
printf 'second passphrase\n' >"$T/p2"
chmod 600 "$T/p1" "$T/p2"

echo "== add a passphrase slot, remove the key file's, passwd"
ox init "$S" --key-file "$T/key"
ox snapshot "$T/src" "$S" --volume v -q --key-file "$T/key" >/dev/null
ox key add "$S" --key-file "$T/key" --new-passphrase-file "$T/p1"
ox restore "$S" v "$T/out1" -q --passphrase-file "$T/p1"
assert_same "$T/src" "$T/out1"
ox key remove "$S" 0 --passphrase-file "$T/p1"
expect_fail 1 "no key slot for a key file" list "$S" --key-file "$T/key"
ox key passwd "$S" --passphrase-file "$T/p1" --new-passphrase-file "$T/p2"
expect_fail 1 "wrong key or passphrase" list "$S" --passphrase-file "$T/p1"
ox key list "$S" --passphrase-file "$T/p2" >"$T/list"
assert_grep '^0 +empty$' "$T/list"
assert_grep '^1 +passphrase .*\(opened by the given key\)$' "$T/list"
expect_fail 1 "key slot 1 is the last of store $S" \
  key remove "$S" 1 --passphrase-file "$T/p2"
ox restore "$S" v "$T/out2" -q --passphrase-file "$T/p2"
assert_same "$T/src" "$T/out2"

echo "== two key add runs at once"
S2=s3://$bucket/stores/concurrent
ox init "$S2" --key-file "$T/key"
ox snapshot "$T/src" "$S2" --volume v -q --key-file "$T/key" >/dev/null
key_concurrent_rounds "$S2" 3 v "$T/src"

echo "== a stale lock (some bytes at locks/ox-store)"
"$OX_BUILD/tests/test-s3store" put "$S2" locks/ox-store 100 >/dev/null ||
  fail "cannot put a lock object"
new_key "$T/k2"
expect_fail 1 "the lock locks/ox-store of $S2 is held \(host \?, pid \?, since \?, \?\) after waiting 1 s.*--break-lock" \
  key add "$S2" --key-file "$T/key" --new-key-file "$T/k2" --lock-timeout 1
ox key add "$S2" --key-file "$T/key" --new-key-file "$T/k2" --break-lock
assert_grep "warning: removed the lock locks/ox-store of $S2 \(host \?" "$T/stderr"
ox restore "$S2" v "$T/out3" -q --key-file "$T/k2"
assert_same "$T/src" "$T/out3"
echo PASS
