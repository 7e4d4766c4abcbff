#!/usr/bin/env bash
# File modes of secrets and of a file store: under umask 000, init makes the
# key file and "ox-store" (the wrapped keys) exactly 0600, and nothing the
# store holds (objects, directories) is writable by group or others; a
# stricter umask (077) is still honoured. A key or passphrase file that
# other users can read opens the store with a warning naming the file and
# the fix; a private one gives no warning.
source "$(dirname "$0")/oxsnap-common.sh"

mode () { stat -c %a "$1"; }

# Every file and directory under DIR: none writable by group or others.
assert_not_shared_writable () {
  local bad
  bad=$(find "$1" -perm /022 -printf '%m %p\n')
  [ -z "$bad" ] || fail "group- or world-writable in the store: $bad"
}

head -c 300000 /dev/urandom >"$T/src"
( umask 000
  ox init "$T/store" --key-file "$T/key" -q
  ox snapshot "$T/src" "$T/store" --volume v --tag t --chunk-size 64K \
    --key-file "$T/key" -q --no-progress >/dev/null )
[ "$(mode "$T/key")" = 600 ] || fail "key file mode $(mode "$T/key")"
[ "$(mode "$T/store/ox-store")" = 600 ] ||
  fail "ox-store mode $(mode "$T/store/ox-store")"
[ -n "$(find "$T/store/segments" -type f)" ] || fail "no segment written"
[ -n "$(find "$T/store/volumes" -path '*tags*' -type f)" ] || fail "no tag"
assert_not_shared_writable "$T/store"
# Objects other than ox-store stay readable (0644, 0755): a store can be
# shared read-only.
find "$T/store" -type f ! -name ox-store ! -perm 644 -printf '%m %p\n' \
  | grep . && fail "objects not 0644 under umask 000"
find "$T/store" -type d ! -perm 755 -printf '%m %p\n' \
  | grep . && fail "directories not 0755 under umask 000"

# A private key file opens without a warning.
ox list "$T/store" --key-file "$T/key" >/dev/null
! grep -q warning "$T/stderr" || fail "unexpected warning"

# A stricter umask is honoured; ox-store is still exactly 0600.
( umask 077
  echo "pass phrase" >"$T/pass"
  ox init "$T/store2" --passphrase-file "$T/pass" -q
  ox snapshot "$T/src" "$T/store2" --volume v -q --no-progress \
    --passphrase-file "$T/pass" >/dev/null )
[ "$(mode "$T/store2/ox-store")" = 600 ] ||
  fail "ox-store mode $(mode "$T/store2/ox-store") under umask 077"
find "$T/store2" -perm /077 -printf '%m %p\n' | grep . &&
  fail "umask 077 not honoured"

# Readable by others: a warning with the path and the fix, and it opens.
chmod 644 "$T/key"
ox list "$T/store" --key-file "$T/key" >"$T/out"
assert_grep "warning: $T/key holds a secret but other users can read it \(mode 0644\): chmod 600 $T/key" "$T/stderr"
assert_grep '^v' "$T/out"
chmod 620 "$T/key"
ox list "$T/store" --key-file "$T/key" >/dev/null
assert_grep "other users can write it \(mode 0620\): chmod 600" "$T/stderr"
chmod 600 "$T/key"

chmod 640 "$T/pass"
ox list "$T/store2" --passphrase-file "$T/pass" >/dev/null
assert_grep "warning: $T/pass holds a secret but other users can read it \(mode 0640\): chmod 600 $T/pass" "$T/stderr"
chmod 600 "$T/pass"
ox list "$T/store2" --passphrase-file "$T/pass" >/dev/null
! grep -q warning "$T/stderr" || fail "unexpected warning"
# The environment variable form warns the same way.
chmod 604 "$T/pass"
OX_PASSPHRASE_FILE=$T/pass ox list "$T/store2" >/dev/null
assert_grep "other users can read it \(mode 0604\)" "$T/stderr"
echo "PASS"
