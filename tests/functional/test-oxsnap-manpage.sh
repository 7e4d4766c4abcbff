#!/usr/bin/env bash
# docs/oxsnap.1 documents every long option and every command that
# `oxsnap --help` prints, and renders without warnings.
source "$(dirname "$0")/oxsnap-common.sh"

page=${OX_SRC:-$OX_FUNC_DIR/../..}/docs/oxsnap.1
[ -f "$page" ] || fail "$page is missing"
ox --help >"$T/help"

# The man page source writes "-" as "\-"; compare with that undone.
sed 's/\\-/-/g' "$page" >"$T/page"
grep -oE -- '--[a-z][a-z0-9-]*' "$T/help" | sort -u >"$T/options"
[ "$(wc -l <"$T/options")" -ge 20 ] || fail "too few options in --help"
missing=0
while read -r opt; do
  if ! grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|\$)" "$T/page"; then
    echo "option $opt is not in $page" >&2
    missing=1
  fi
done <"$T/options"
sed -n 's/^  \([a-z]\+\) .*/\1/p' "$T/help" | sort -u >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 7 ] || fail "too few commands in --help"
while read -r cmd; do
  grep -qE "^\.BI? \"?$cmd " "$T/page" || {
    echo "command $cmd is not described in $page" >&2
    missing=1
  }
done <"$T/commands"
[ "$missing" -eq 0 ] || fail "docs/oxsnap.1 is out of date with oxsnap --help"

# Required sections, EXAMPLES first after DESCRIPTION.
for s in NAME SYNOPSIS DESCRIPTION EXAMPLES COMMANDS OPTIONS ENVIRONMENT \
  "EXIT STATUS" FILES "SEE ALSO"; do
  grep -qx "\.SH \"\?$s\"\?" "$T/page" || fail "section $s is missing"
done
[ "$(grep '^\.SH' "$T/page" | sed -n '4p')" = ".SH EXAMPLES" ] ||
  fail "EXAMPLES is not the section after DESCRIPTION"
for v in OX_KEY_FILE OX_PASSPHRASE_FILE AWS_ACCESS_KEY_ID \
  AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
  AWS_SHARED_CREDENTIALS_FILE AWS_REGION AWS_DEFAULT_REGION \
  AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL AWS_CA_BUNDLE; do
  grep -q "$v" "$T/page" || fail "environment variable $v is not documented"
done

# It renders without warnings (where groff is installed).
if command -v groff >/dev/null; then
  groff -man -ww -z "$page" 2>"$T/groff" || fail "groff failed on $page"
  if [ -s "$T/groff" ]; then
    cat "$T/groff" >&2
    fail "groff warns about $page"
  fi
fi
