# ox: shared by tests/functional/test-s3-*.sh (sourced, not a test).
#
# The tests run against one of two real S3 servers, named by OX_S3_SERVER:
# swift (OpenStack Swift with s3api, scripts/s3-test-server; the default)
# or rgw (Ceph's RADOS Gateway, scripts/rgw-test-server). Each script's
# `env` output exports OX_S3_SERVER with the rest. Where the servers differ
# (docs/DESIGN.md, "The two S3 test servers"), a check that holds on one
# only is run there and skipped on the other with a "SKIP on SERVER:" line
# saying why (s3_on).
#
# s3_server_start: use the S3 server named by OX_S3_ENDPOINT (with the
# AWS_* credentials in the environment), or start a private one of kind
# OX_S3_SERVER, stopped when the test exits (through on_exit of
# oxsnap-common.sh when that is sourced first, else an EXIT trap). Exits 77
# (skip) only if the server cannot be installed here. Sets S3_OWN_SERVER=1
# when the server is private (tests that stop or freeze it need that), and
# S3_SERVER_SCRIPT to the script that runs it (its proxy-stop,
# proxy-start, proxy-freeze and proxy-thaw stop and stall the S3 front end).
#
# s3_on SERVER REASON: true if the server is SERVER; else print
# "SKIP on $OX_S3_SERVER: REASON" and return false.
#
# s3_new_bucket PREFIX: create a bucket named PREFIX-<unique> on that
# server and set $bucket to its name.
#
# die MSG and expect_in FILE PATTERN... helpers.

: "${OX_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${OX_BUILD:=$OX_SRC/build}"
: "${OX_S3_SERVER:=swift}"
case "$OX_S3_SERVER" in
  swift) S3_SERVER_SCRIPT=$OX_SRC/scripts/s3-test-server ;;
  rgw) S3_SERVER_SCRIPT=$OX_SRC/scripts/rgw-test-server ;;
  *) echo "FAIL: OX_S3_SERVER=$OX_S3_SERVER: not swift or rgw" >&2; exit 1 ;;
esac
S3_OWN_SERVER=0

die () { echo "FAIL: $*" >&2; exit 1; }

s3_on ()
{
  [ "$OX_S3_SERVER" = "$1" ] && return 0
  echo "SKIP on $OX_S3_SERVER: $2"
  return 1
}

s3_cleanup ()
{
  if [ "$S3_OWN_SERVER" = 1 ]; then
    "$S3_SERVER_SCRIPT" proxy-thaw 2>/dev/null || true
    "$S3_SERVER_SCRIPT" stop || true
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
    echo "using the S3 server ($OX_S3_SERVER) at $OX_S3_ENDPOINT"
    return 0
  fi
  unset OX_S3_DIR OX_RGW_DIR
  if ! out=$("$S3_SERVER_SCRIPT" start 2>"$S3_TMP/start.err"); then
    cat "$S3_TMP/start.err" >&2
    if grep -q "cannot install" "$S3_TMP/start.err"; then
      echo "SKIP: the $OX_S3_SERVER S3 server cannot be installed here" >&2
      exit 77
    fi
    die "cannot start the S3 test server ($S3_SERVER_SCRIPT start)"
  fi
  eval "$out"
  S3_OWN_SERVER=1
  echo "started an S3 server ($OX_S3_SERVER) at $OX_S3_ENDPOINT" \
    "(${OX_S3_DIR:-${OX_RGW_DIR:-}})"
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
