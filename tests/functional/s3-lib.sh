# ox: shared by tests/functional/test-s3-*.sh (sourced, not a test).
#
# s3_server_start: use the S3 server named by OX_S3_ENDPOINT (with the
# AWS_* credentials in the environment), or start a private one with
# scripts/s3-test-server, stopped when the test exits (through on_exit of
# oxsnap-common.sh when that is sourced first, else an EXIT trap). Exits 77
# (skip) only if Swift cannot be installed here. Sets S3_OWN_SERVER=1 when
# the server is private (tests that stop or freeze it need that).
#
# s3_new_bucket PREFIX: create a bucket named PREFIX-<unique> on that
# server and set $bucket to its name.
#
# die MSG and expect_in FILE PATTERN... helpers.

: "${OX_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${OX_BUILD:=$OX_SRC/build}"
S3_OWN_SERVER=0

die () { echo "FAIL: $*" >&2; exit 1; }

s3_cleanup ()
{
  if [ "$S3_OWN_SERVER" = 1 ]; then
    "$OX_SRC/scripts/s3-test-server" proxy-thaw 2>/dev/null || true
    "$OX_SRC/scripts/s3-test-server" stop || true
  fi
  if [ -n "${S3_TMP:-}" ]; then rm -rf "$S3_TMP"; fi
}

s3_new_bucket ()
{
  bucket=$1-$$-$RANDOM
  "$OX_BUILD/tests/test-s3store" mkbucket "s3://$bucket" ||
    die "cannot create bucket $bucket"
}

s3_server_start ()
{
  local out
  S3_TMP=$(mktemp -d /tmp/ox-s3-test.XXXXXX)
  if declare -F on_exit >/dev/null; then
    on_exit s3_cleanup
  else
    trap s3_cleanup EXIT
  fi
  if [ -n "${OX_S3_ENDPOINT:-}" ]; then
    echo "using the S3 server at $OX_S3_ENDPOINT"
    return 0
  fi
  unset OX_S3_DIR
  if ! out=$("$OX_SRC/scripts/s3-test-server" start 2>"$S3_TMP/start.err");
  then
    cat "$S3_TMP/start.err" >&2
    if grep -q "cannot install" "$S3_TMP/start.err"; then
      echo "SKIP: Swift cannot be installed here" >&2
      exit 77
    fi
    die "cannot start the S3 test server"
  fi
  eval "$out"
  S3_OWN_SERVER=1
  echo "started an S3 server at $OX_S3_ENDPOINT ($OX_S3_DIR)"
}

# expect_in FILE PATTERN...: FILE must match every PATTERN (grep).
expect_in ()
{
  local f=$1 p
  shift
  for p in "$@"; do
    grep -q -- "$p" "$f" || { cat "$f" >&2; die "\"$p\" not in $f"; }
  done
}
