#!/usr/bin/env bash
# Command-line errors: exit 2 for unknown commands and options, wrong
# argument counts and unparsable values; option values that are parsed but
# not allowed, a missing --volume and bad names are refused (exit 1 or 2),
# each with a clear message and before anything is written.
source "$(dirname "$0")/oxsnap-common.sh"

printf 'data' >"$T/src"
ox init "$T/store" --no-encryption
(cd "$T" && find store -type f | sort) >"$T/before"
s=$T/store

ox --help >"$T/help"
assert_grep '^Usage: oxsnap COMMAND' "$T/help"
ox --version >"$T/version"
assert_grep '^oxsnap [0-9]+\.[0-9]+' "$T/version"

expect_fail 2 "unknown command 'frobnicate'" frobnicate "$s"
expect_fail 2 "unknown option --bogus \(long options are spelt out in full" list "$s" --bogus
expect_fail 2 "Usage: oxsnap" # no arguments at all
expect_fail 2 "usage: oxsnap restore STORE" restore "$s" v
expect_fail 2 "usage: oxsnap snapshot SOURCE STORE" snapshot "$T/src"
expect_fail 2 "usage: oxsnap tag STORE" tag "$s" v
expect_fail 2 "too many arguments" list 1 2 3 4 5 6 7 8 9
expect_fail 2 "--jobs: expected a number from 1 to 256, not '0'" \
  snapshot "$T/src" "$s" --volume v --jobs 0
expect_fail 2 "--compress-level: expected a number from 1 to 19, not '20'" \
  snapshot "$T/src" "$s" --volume v --compress-level 20
expect_fail 2 "--chunk-size: cannot parse size 'abc'" \
  snapshot "$T/src" "$s" --volume v --chunk-size abc
expect_fail 2 "init: an encrypted store needs --key-file" init "$T/new"
expect_fail 2 "init: --no-encryption conflicts with a key" \
  init "$T/new" --no-encryption --key-file "$T/k"
if [ -e "$T/new" ] || [ -e "$T/k" ]; then
  fail "a refused init wrote something"
fi

expect_fail nonzero "--chunk-size must be a power of two from 4K to 64M" \
  snapshot "$T/src" "$s" --volume v --chunk-size 1000
expect_fail nonzero "--segment-size must be at least twice the chunk size" \
  snapshot "$T/src" "$s" --volume v --chunk-size 1M --segment-size 1M
expect_fail nonzero "--volume NAME is required" snapshot "$T/src" "$s"
expect_fail nonzero "invalid volume name 'a/b'" \
  snapshot "$T/src" "$s" --volume a/b
expect_fail nonzero "invalid volume name" \
  snapshot "$T/src" "$s" --volume "$(printf 'x%.0s' {1..129})"
expect_fail nonzero "invalid tag name 'no/slash'" \
  snapshot "$T/src" "$s" --volume v --tag no/slash
expect_fail nonzero "invalid volume name" list "$s" ../etc

(cd "$T" && find store -type f | sort) >"$T/after"
assert_same "$T/before" "$T/after"

# The limits themselves are allowed: a 128-character volume and tag name.
long=$(printf 'x%.0s' {1..128})
ox snapshot "$T/src" "$s" --volume "$long" --tag "$long" >/dev/null
ox restore "$s" "$long:$long" "$T/out"
assert_same "$T/src" "$T/out"
