#!/usr/bin/env bash
# oxsnap COMMAND --help prints that command's help (usage line, one
# description sentence, its options only, an example), on stdout with exit
# 0, wherever --help appears; oxsnap --help stays the overview; every
# option a command's help names is in the man page and accepted by oxsnap.
source "$(dirname "$0")/oxsnap-common.sh"

page=${OX_SRC:-$OX_FUNC_DIR/../..}/docs/oxsnap.1
sed 's/\\-/-/g' "$page" >"$T/page"
ox --help >"$T/overview"
assert_grep '^Usage: oxsnap COMMAND' "$T/overview"
assert_grep "oxsnap COMMAND --help" "$T/overview"
sed -n 's/^  \([a-z]\+\) .*/\1/p' "$T/overview" | sort -u >"$T/commands"
[ "$(wc -l <"$T/commands")" -eq 12 ] || fail "expected 12 commands in --help"

while read -r cmd; do
  ox "$cmd" --help >"$T/h-$cmd"
  h=$T/h-$cmd
  [ "$(sed -n 1p "$h")" != "$(sed -n 1p "$T/overview")" ] ||
    fail "$cmd --help printed the overview"
  assert_grep "^Usage: oxsnap $cmd( |\$)" "$h"
  # Line 3 is the description: one sentence.
  sed -n 3p "$h" | grep -qE '^[A-Z].*\.$' || fail "$cmd: no description sentence"
  assert_grep '^Options:$' "$h"
  assert_grep '^  -h, --help' "$h"
  assert_grep '^Example:$' "$h"
  assert_grep "^  oxsnap $cmd " "$h"
  # --help anywhere, and -h, print the same.
  ox -h "$cmd" >"$T/h2"
  assert_same "$h" "$T/h2"
  # Its options are documented and known to oxsnap (the options an
  # example uses, too).
  grep -oE -- '--[a-z][a-z0-9-]*' "$h" | sort -u >"$T/opts"
  while read -r opt; do
    grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$T/page" ||
      fail "$cmd --help names $opt, which oxsnap(1) does not document"
    grep -qF -- "$opt" "$T/overview" || fail "$opt is not in oxsnap --help"
  done <"$T/opts"
done <"$T/commands"

# Only the options that apply.
assert_grep '--json' "$T/h-status"
! grep -qE -- '--key-file|--endpoint|--full|--volume' "$T/h-status" ||
  fail "status --help lists options of other commands"
! grep -qE -- '--json|--force' "$T/h-snapshot" ||
  fail "snapshot --help lists options of other commands"
assert_grep '--full ' "$T/h-snapshot"
assert_grep '--parent VOL' "$T/h-snapshot"
assert_grep '--volume NAME' "$T/h-snapshot"
assert_grep '--endpoint URL' "$T/h-snapshot"
assert_grep '--full' "$T/h-verify"
assert_grep '--force' "$T/h-restore"
assert_grep '--json' "$T/h-list"
! grep -qE -- '--chunk-size|--full|--force|--tag' "$T/h-list" ||
  fail "list --help lists options of other commands"
assert_grep '--no-encryption' "$T/h-init"
assert_grep '--new-passphrase-file F' "$T/h-key"
assert_grep '--break-lock' "$T/h-key"
assert_grep '--json' "$T/h-key"
! grep -qE -- '--new-key-file|--break-lock|--lock-timeout' "$T/h-list" ||
  fail "list --help lists the options of key"

# Errors: an unknown command with --help; nothing on stdout.
expect_fail 2 "unknown command 'frobnicate'" frobnicate --help
[ ! -s "$T/stdout" ] || fail "help printed for an unknown command"
echo OK
