#!/bin/bash
# ox: the s3:// store against a real S3 server (OpenStack Swift with s3api):
# the behaviour test program, then configuration and error cases: wrong
# secret, access key or region, missing bucket, bucket creation refused,
# unreachable endpoint, HTTPS
# with and without the CA bundle, virtual-host addressing, the shared
# credentials file, the bandwidth limit, answers cut short and 503 SlowDown
# (through a fault-injecting proxy), and a server that goes away or stalls
# and comes back.
set -euo pipefail
source "$(dirname "$0")/s3-lib.sh"

[ -x "$OX_BUILD/tests/test-s3store" ] || die "test-s3store is not built"
# A sanitizer report fails the test even where a failure is expected.
export ASAN_OPTIONS="exitcode=86:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="exitcode=86:print_stacktrace=1"
export LSAN_OPTIONS="exitcode=86"
run_test_program ()
{
  local rc=0
  "$OX_BUILD/tests/test-s3store" "$@" || rc=$?
  [ $rc != 86 ] || die "sanitizer report from test-s3store $*"
  return $rc
}
T=run_test_program
s3_server_start

bucket=oxtest-$$-$RANDOM
export OX_S3_TEST_BUCKET=$bucket
# Fail fast in the error cases; each case that retries sets its own.
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50

echo "== behaviour test"
"$T"

out=$S3_TMP/out
echo "== a store in the bucket, probed"
"$T" put "s3://$bucket/t" ox-probe 1000
"$T" probe "s3://$bucket/t" > "$out"
expect_in "$out" "found 1000"
set +e
"$T" probe "s3://$bucket/empty" > "$out"; rc=$?
set -e
[ $rc = 2 ] || die "probe of a missing object: exit $rc, not 2 (ENOENT)"
expect_in "$out" ENOENT

echo "== wrong secret key"
if AWS_SECRET_ACCESS_KEY=wrong "$T" probe "s3://$bucket/t" 2> "$out"; then
  die "a wrong secret key worked"
fi
expect_in "$out" SignatureDoesNotMatch "check the secret key"
grep -q wrong "$out" && die "the secret key was printed"
if AWS_SECRET_ACCESS_KEY=wrong "$T" put "s3://$bucket/t" big 3000000 \
     2> "$out"; then
  die "a PUT with a wrong secret key worked"
fi
expect_in "$out" SignatureDoesNotMatch "PUT s3://$bucket/t/big"

echo "== wrong access key"
if AWS_ACCESS_KEY_ID=test:nobody "$T" probe "s3://$bucket/t" 2> "$out"; then
  die "a wrong access key worked"
fi
# AWS says InvalidAccessKeyId; Swift's tempauth cannot tell the two apart.
grep -qE "InvalidAccessKeyId|SignatureDoesNotMatch" "$out" ||
  die "no S3 error code for a wrong access key"
expect_in "$out" "access key"

echo "== wrong region"
if s3_on swift "RGW accepts a signature for any region (its zonegroup does not check it)"; then
  if OX_S3_TEST_REGION=eu-west-3 "$T" get "s3://$bucket/t" ox-probe \
       2> "$out"; then
    die "a wrong region worked"
  fi
  expect_in "$out" AuthorizationHeaderMalformed "check the region"
fi

echo "== missing bucket"
if "$T" probe "s3://no-such-bucket-$$/t" 2> "$out"; then
  die "a missing bucket worked"
fi
expect_in "$out" NoSuchBucket "s3://no-such-bucket-$$" "oxsnap init"

echo "== bucket creation refused: the bucket, the code and a hint"
if AWS_SECRET_ACCESS_KEY=wrong "$T" mkbucket "s3://oxnew-$$-$RANDOM/t" \
     2> "$out"; then
  die "a bucket was created with a wrong secret"
fi
expect_in "$out" "PUT s3://oxnew-.* (creation of the bucket in region us-east-1)" \
  SignatureDoesNotMatch "check the secret key"
if "$T" mkbucket "s3://Bad_Name$$/t" 2> "$out"; then
  die "a bucket with an invalid name was created"
fi
expect_in "$out" "PUT s3://Bad_Name$$ (creation" InvalidBucketName \
  "check the bucket name"

echo "== unreachable endpoint: 3 tries, then a clear error"
start=$SECONDS
if OX_S3_ENDPOINT=http://127.0.0.1:1 "$T" probe "s3://$bucket/t" 2> "$out"
then
  die "an unreachable endpoint worked"
fi
expect_in "$out" "HEAD s3://$bucket/t/ox-probe" "3 tries" "check the endpoint"
[ $((SECONDS - start)) -lt 10 ] || die "giving up took too long"

echo "== HTTPS with the CA bundle (option, then AWS_CA_BUNDLE)"
OX_S3_ENDPOINT=$OX_S3_HTTPS_ENDPOINT OX_S3_TEST_CA_BUNDLE=$OX_S3_CA_BUNDLE \
  "$T" get "s3://$bucket/t" ox-probe > "$out"
expect_in "$out" "^1000 "
OX_S3_ENDPOINT=$OX_S3_HTTPS_ENDPOINT AWS_CA_BUNDLE=$OX_S3_CA_BUNDLE \
  "$T" probe "s3://$bucket/t" > "$out"
expect_in "$out" "found 1000"
echo "== HTTPS without the CA bundle: refused at once"
if OX_S3_ENDPOINT=$OX_S3_HTTPS_ENDPOINT "$T" probe "s3://$bucket/t" \
     2> "$out"; then
  die "an untrusted certificate was accepted"
fi
expect_in "$out" "ca-bundle" "(1 try;"
echo "== HTTPS with verification off: works, loudly"
OX_S3_ENDPOINT=$OX_S3_HTTPS_ENDPOINT OX_S3_TEST_INSECURE=1 \
  "$T" probe "s3://$bucket/t" > "$out" 2> "$out.err"
expect_in "$out" "found 1000"
expect_in "$out.err" "verification is OFF"

echo "== virtual-host addressing (BUCKET.s3.localhost)"
OX_S3_ENDPOINT=$OX_S3_VHOST_ENDPOINT OX_S3_TEST_ADDRESSING=2 \
  "$T" get "s3://$bucket/t" ox-probe > "$out"
expect_in "$out" "^1000 "
"$T" get "s3://$bucket/t" ox-probe > "$out.path"
cmp "$out" "$out.path"

echo "== the shared credentials file"
cat > "$S3_TMP/credentials" <<EOF
[default]
aws_access_key_id = test:nobody
aws_secret_access_key = nothing

# a comment
[ox]
aws_access_key_id=$AWS_ACCESS_KEY_ID
aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
EOF
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  export AWS_SHARED_CREDENTIALS_FILE=$S3_TMP/credentials
  AWS_PROFILE=ox "$T" probe "s3://$bucket/t" > "$out"
  expect_in "$out" "found 1000"
  if AWS_PROFILE=none "$T" probe "s3://$bucket/t" 2> "$out"; then
    die "a missing profile worked"
  fi
  expect_in "$out" "no S3 credentials" "\[none\]"
)
if (unset AWS_SECRET_ACCESS_KEY; "$T" probe "s3://$bucket/t") 2> "$out"; then
  die "an access key without a secret worked"
fi
expect_in "$out" "AWS_SECRET_ACCESS_KEY is not"

echo "== bandwidth limit: 3 MiB at 1 MiB/s"
start=$(date +%s.%N)
OX_S3_TEST_BWLIMIT=1048576 "$T" put "s3://$bucket/t" slow 3145728
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
echo "took $elapsed s"
[ "$(echo "$elapsed > 2.4" | bc)" = 1 ] || die "the limit was not applied"
[ "$(echo "$elapsed < 8" | bc)" = 1 ] || die "the limit was far too slow"

# start_fault_proxy MODE N [BYTES]: sets FP_ENDPOINT, FP_PID, FP_FILE.
start_fault_proxy ()
{
  local upstream=${OX_S3_ENDPOINT##*:}
  FP_FILE=$S3_TMP/proxy.$RANDOM
  /usr/bin/python3 "$OX_SRC/tests/functional/s3-fault-proxy.py" "$FP_FILE" \
    "${upstream%/}" "$@" &
  FP_PID=$!
  for _ in $(seq 1 100); do [ -s "$FP_FILE" ] && break; sleep 0.05; done
  [ -s "$FP_FILE" ] || die "the fault proxy did not start"
  FP_ENDPOINT=http://127.0.0.1:$(cat "$FP_FILE")
}

stop_fault_proxy () { kill "$FP_PID"; wait "$FP_PID" 2>/dev/null || true; }

echo "== answers cut short (resets mid-body): retried, right bytes"
"$T" put "s3://$bucket/t" cut 5000000
"$T" get "s3://$bucket/t" cut > "$S3_TMP/want"
start_fault_proxy cut 2 100000
OX_S3_ENDPOINT=$FP_ENDPOINT "$T" get "s3://$bucket/t" cut > "$out"
cmp "$S3_TMP/want" "$out"
[ "$(cat "$FP_FILE.faults")" = 2 ] || die "the faults were not injected"
stop_fault_proxy
start_fault_proxy cut 5 100000
if OX_S3_ENDPOINT=$FP_ENDPOINT "$T" get "s3://$bucket/t" cut 2> "$out"; then
  die "a GET cut short every time succeeded"
fi
expect_in "$out" "GET s3://$bucket/t/cut" "3 tries"
stop_fault_proxy

echo "== 503 SlowDown: retried (body sent again, signed again)"
start_fault_proxy slowdown 2
OX_S3_ENDPOINT=$FP_ENDPOINT "$T" put "s3://$bucket/t" slow2 2000000
[ "$(cat "$FP_FILE.faults")" = 2 ] || die "the faults were not injected"
"$T" get "s3://$bucket/t" slow2 > "$out"
expect_in "$out" "^2000000 "
stop_fault_proxy
start_fault_proxy slowdown 5
if OX_S3_ENDPOINT=$FP_ENDPOINT "$T" put "s3://$bucket/t" slow3 1000 \
     2> "$out"; then
  die "a PUT refused every time succeeded"
fi
expect_in "$out" "503 SlowDown" "after 3 tries"
stop_fault_proxy

if [ "$S3_OWN_SERVER" = 1 ]; then
  srv=$S3_SERVER_SCRIPT
  echo "== server down during a request, back in time: it completes"
  "$T" put "s3://$bucket/t" retry 5000000
  "$T" get "s3://$bucket/t" retry > "$S3_TMP/want"
  "$srv" proxy-stop
  OX_S3_RETRIES=40 OX_S3_RETRY_BASE_MS=250 OX_S3_RETRY_CAP_MS=500 \
    "$T" get "s3://$bucket/t" retry > "$out" 2> "$out.err" &
  pid=$!
  sleep 2
  "$srv" proxy-start
  wait $pid || { cat "$out.err"; die "the GET did not survive a restart"; }
  cmp "$S3_TMP/want" "$out"

  echo "== server stalled (SIGSTOP) during a request, thawed: it completes"
  "$srv" proxy-freeze
  OX_S3_RETRIES=10 OX_S3_STALL_TIMEOUT=2 \
    "$T" get "s3://$bucket/t" retry > "$out" 2> "$out.err" &
  pid=$!
  sleep 3
  "$srv" proxy-thaw
  wait $pid || { cat "$out.err"; die "the GET did not survive a stall"; }
  cmp "$S3_TMP/want" "$out"

  echo "== server stalled for good: a timeout error after the tries"
  "$srv" proxy-freeze
  start=$SECONDS
  if OX_S3_RETRIES=2 OX_S3_STALL_TIMEOUT=1 \
       "$T" get "s3://$bucket/t" retry 2> "$out"; then
    die "a stalled server gave an answer"
  fi
  "$srv" proxy-thaw
  expect_in "$out" "GET s3://$bucket/t/retry" "2 tries"
  [ $((SECONDS - start)) -lt 15 ] || die "stall detection took too long"
fi
echo "PASS"
