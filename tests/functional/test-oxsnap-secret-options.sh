#!/usr/bin/env bash
# Secrets on oxsnap's command line: no abbreviation of a long option is
# accepted (getopt_long would take "--passphrase X" as "--passphrase-file
# X"), and the error names the option only: the argument that follows, or a
# value after "=", never appears in any output. The full spellings work,
# and a value that looks like an option is still the option's value.
source "$(dirname "$0")/oxsnap-common.sh"

SECRET="hunter2-$RANDOM-secret"
printf 'correct horse\n' >"$T/pass"
chmod 600 "$T/pass"
ox init "$T/store" --passphrase-file "$T/pass" -q
printf 'data' >"$T/src"

# never_echoed STATUS REGEX ARGS...: like expect_fail, and $SECRET is on
# neither stdout nor stderr.
never_echoed () {
  expect_fail "$@"
  if grep -qF -- "$SECRET" "$T/stderr" "$T/stdout"; then
    fail "oxsnap echoed the secret: $(cat "$T/stderr")"
  fi
}

pass_msg='unknown option --passphrase; passphrases are read from a file: --passphrase-file FILE$'
never_echoed 2 "$pass_msg" list "$T/store" --passphrase "$SECRET"
never_echoed 2 "$pass_msg" list "$T/store" --passphrase="$SECRET"
never_echoed 2 "$pass_msg" snapshot "$T/src" "$T/store" --volume v \
  --passphrase "$SECRET"
never_echoed 2 "unknown option --passphrase-f; passphrases are read" \
  list "$T/store" --passphrase-f "$SECRET"
never_echoed 2 "unknown option --password; passphrases are read from a file" \
  list "$T/store" --password "$SECRET"
never_echoed 2 "unknown option --key; keys are read from a file: --key-file FILE" \
  list "$T/store" --key "$SECRET"
never_echoed 2 "unknown option --key-f; keys are read" \
  list "$T/store" --key-f="$SECRET"
# Any other abbreviation, and unknown options, are refused too.
never_echoed 2 "unknown option --vol \(long options are spelt out in full" \
  snapshot "$T/src" "$T/store" --vol "$SECRET"
never_echoed 2 "unknown option --endp " list "$T/store" --endp="$SECRET"
never_echoed 2 "unknown option --bogus " list "$T/store" --bogus "$SECRET"
# Refused before anything ran: no snapshot was written.
[ ! -e "$T/store/volumes" ] || fail "a refused command wrote a snapshot"

# The full spellings work, with a space or "=".
ox list "$T/store" --passphrase-file "$T/pass" >/dev/null
ox list "$T/store" --passphrase-file="$T/pass" >/dev/null
id=$(ox snapshot "$T/src" "$T/store" --volume=v --passphrase-file "$T/pass" \
  -q --no-progress)
[ -n "$id" ] || fail "no snapshot id"
# An option's value that looks like an option is its value, not an option:
# here the tag name "--bogus" (a valid name).
ox snapshot "$T/src" "$T/store" --volume v --tag --bogus -q --no-progress \
  --passphrase-file "$T/pass" >/dev/null
[ -f "$T/store/volumes/v/tags/--bogus" ] || fail "the tag --bogus is missing"
# After "--", arguments are not options (here: too many arguments).
expect_fail 2 "usage: oxsnap list|too many|unknown command" \
  list "$T/store" --passphrase-file "$T/pass" -- --bogus 1 2 3 4 5 6 7
echo PASS
