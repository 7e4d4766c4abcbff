#!/usr/bin/env bash
# A snapshot killed (SIGKILL) while it runs publishes no manifest: the
# volume lists no snapshot and verify passes; a later snapshot works.
source "$(dirname "$0")/oxsnap-common.sh"

head -c $((300 * 1048576)) /dev/urandom >"$T/big"
ox init "$T/store" --no-encryption

"$OXSNAP" snapshot "$T/big" "$T/store" --volume big --jobs 1 \
  --chunk-size 1M --segment-size 4M >"$T/id" 2>"$T/snap.err" &
pid=$!
on_exit "kill -9 $pid 2>/dev/null"
# Kill it once it has stored something, so it dies mid-way.
for _ in $(seq 100); do
  [ "$(count_segments "$T/store")" -gt 0 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
sleep 0.1
kill -9 "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
cat "$T/snap.err" >&2
if [ "$rc" -ne 137 ]; then
  # It finished before the kill: nothing to test on this machine.
  echo "SKIP: the snapshot ended (exit $rc) before it could be killed" >&2
  exit 77
fi
echo "killed with $(count_segments "$T/store") segments stored"
[ ! -s "$T/id" ] || fail "a killed snapshot printed an id"

ox list "$T/store" big >"$T/list"
! grep -qE '^[0-9a-f]{16} ' "$T/list" || fail "a killed snapshot is listed"
[ -z "$(ls "$T/store/volumes/big/snapshots" 2>/dev/null)" ] ||
  fail "a root was written"
ox verify "$T/store" --full

# The store still works.
head -c 100000 /dev/urandom >"$T/small"
ox snapshot "$T/small" "$T/store" --volume big >/dev/null
ox restore "$T/store" big "$T/out"
assert_same "$T/small" "$T/out"
