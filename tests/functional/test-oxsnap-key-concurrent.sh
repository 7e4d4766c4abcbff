#!/usr/bin/env bash
# oxsnap key add, two at once (they publish ox-store with a plain put):
# 4 rounds of a key-file and a passphrase slot added at the same instant,
# every key added restores the snapshot (none lost). A lock left by a dead
# run: key add waits --lock-timeout seconds, then fails naming the lock,
# its holder and --break-lock, changing nothing; --break-lock removes it
# with a warning and succeeds.
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/key-lib.sh"

head -c 200000 /dev/urandom >"$T/src"
ox init "$T/store" --key-file "$T/key"
ox snapshot "$T/src" "$T/store" --volume v -q --key-file "$T/key" >/dev/null
key_concurrent_rounds "$T/store" 4 v "$T/src"
[ ! -e "$T/store/locks/ox-store" ] || fail "locks/ox-store left behind"

echo "== a stale lock: wait, then a clear error; --break-lock"
printf 'ox lock\nhost: elsewhere\npid: 4242\ntime: 2026-01-01T00:00:00Z\ncommand: oxsnap key add\ntoken: 00\n' \
  >"$T/store/locks/ox-store"
cp "$T/store/ox-store" "$T/before"
new_key "$T/k2"
start=$(date +%s)
expect_fail 1 "the lock locks/ox-store of $T/store is held \(host elsewhere, pid 4242, since 2026-01-01T00:00:00Z, oxsnap key add\) after waiting 2 s.*stale.*--break-lock" \
  key add "$T/store" --key-file "$T/key" --new-key-file "$T/k2" --lock-timeout 2
[ $(($(date +%s) - start)) -ge 2 ] || fail "key add did not wait for the lock"
assert_grep "waiting for the lock locks/ox-store .*host elsewhere" "$T/stderr"
assert_same "$T/before" "$T/store/ox-store"
[ -e "$T/store/locks/ox-store" ] || fail "someone else's lock was removed"
ox key add "$T/store" --key-file "$T/key" --new-key-file "$T/k2" --break-lock
assert_grep "warning: removed the lock locks/ox-store of $T/store \(host elsewhere, pid 4242" "$T/stderr"
[ ! -e "$T/store/locks/ox-store" ] || fail "locks/ox-store left behind"
ox restore "$T/store" v "$T/out" -q --key-file "$T/k2"
assert_same "$T/src" "$T/out"
echo PASS
