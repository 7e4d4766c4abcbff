#!/bin/bash
# ox: oxsnap end to end on s3:// against a real S3 server (Swift with
# s3api): snapshot, list, info, verify, restore == source, over HTTP and
# HTTPS (--ca-bundle), segments uploaded in parts; clear errors and exit 1
# for a wrong secret, wrong region, missing bucket, unreachable endpoint,
# init creating a missing bucket (and refusing an invalid name or wrong
# credentials clearly),
# untrusted certificate; and with a private server, the server stopped in
# the middle of a snapshot: for good (no snapshot appears) and restarted in
# time (the snapshot completes and restores).
source "$(dirname "$0")/oxsnap-common.sh"
source "$(dirname "$0")/s3-lib.sh"

# For oxsnap runs in the background (not through `ox`).
check_sanitizer ()
{
  if grep -qE 'Sanitizer|runtime error:' "$1"; then
    cat "$1" >&2
    touch "$T/.sanitizer"
    fail "sanitizer report from a background oxsnap"
  fi
}

s3_server_start
s3_new_bucket oxsnap
export OX_S3_RETRIES=3 OX_S3_RETRY_BASE_MS=50
S=s3://$bucket/stores/one
K=(--key-file "$T/key")

img=$T/disk.img
make_image "$img" $((24 * 1048576 + 4321))
put_data "$img" 0 8192 /dev/urandom
text_data "$T/text" 4194304
put_data "$img" 12288 4096 "$T/text"
put_data "$img" 20480 1024 /dev/urandom
dd if=/dev/urandom of="$img" bs=4321 count=1 seek=$((24 * 1048576)) \
  oflag=seek_bytes conv=notrunc status=none

echo "== init, snapshot, list, info, verify, restore"
ox init "$S" "${K[@]}"
id=$(ox snapshot "$img" "$S" --volume disk "${K[@]}")
[[ $id =~ ^[0-9a-f]{16}$ ]] || fail "snapshot printed '$id', not an id"
ox list "$S" "${K[@]}" >"$T/list"
assert_grep "^disk +1 +$id" "$T/list"
ox info "$S" disk "${K[@]}" >"$T/info"
assert_grep "^snapshot: +$id\$" "$T/info"
ox verify "$S" --full "${K[@]}" >"$T/verify"
assert_grep "^disk@$id: ok\$" "$T/verify"
ox restore "$S" disk "$T/out.img" "${K[@]}"
assert_same "$img" "$T/out.img"
expect_fail 1 "already" init "$S" "${K[@]}"

echo "== a second snapshot after a change; both restore"
cp "$img" "$T/v1.img"
put_data "$img" 4096 512 /dev/urandom
id2=$(ox snapshot "$img" "$S" --volume disk "${K[@]}")
ox restore "$S" "disk@$id" "$T/out1.img" "${K[@]}"
assert_same "$T/v1.img" "$T/out1.img"
ox restore "$S" disk "$T/out2.img" "${K[@]}"
assert_same "$img" "$T/out2.img"

echo "== HTTPS with --ca-bundle"
H=(--endpoint "$OX_S3_HTTPS_ENDPOINT" --ca-bundle "$OX_S3_CA_BUNDLE")
ox list "$S" disk "${K[@]}" "${H[@]}" >"$T/list"
assert_grep "^$id2 " "$T/list"
ox restore "$S" disk "$T/out3.img" "${K[@]}" "${H[@]}"
assert_same "$img" "$T/out3.img"
expect_fail 1 "certificate is not trusted.*--ca-bundle" \
  list "$S" "${K[@]}" --endpoint "$OX_S3_HTTPS_ENDPOINT"

echo "== segments uploaded in parts (multipart)"
M=s3://$bucket/stores/multipart
ox init "$M" --no-encryption
OX_S3_MULTIPART_THRESHOLD=1048576 OX_S3_PART_SIZE=262144 \
  ox snapshot "$img" "$M" --volume disk --segment-size 4M >/dev/null
ox verify "$M" --full >/dev/null
ox restore "$M" disk "$T/out4.img"
assert_same "$img" "$T/out4.img"

echo "== init creates a missing bucket (only init does)"
nb=oxnew-$$-$RANDOM
ox init "s3://$nb/a" "${K[@]}"
assert_grep "^oxsnap: created bucket $nb in region us-east-1$" "$T/stderr"
ox snapshot "$img" "s3://$nb/a" --volume disk "${K[@]}" >/dev/null
ox restore "s3://$nb/a" disk "$T/out5.img" "${K[@]}"
assert_same "$img" "$T/out5.img"
ox init "s3://$nb/b" --no-encryption # the bucket exists now: no message
grep -q "created bucket" "$T/stderr" && fail "an existing bucket was created"
ox list "s3://$nb/a" "${K[@]}" >"$T/list"
assert_grep "^disk " "$T/list"
echo "== bucket creation refused or impossible: a clear error, nothing made"
nb2=oxnew-$$-$RANDOM
AWS_SECRET_ACCESS_KEY=wrong expect_fail 1 \
  "s3://$nb2/x.*SignatureDoesNotMatch.*check the secret key" \
  init "s3://$nb2/x" --no-encryption
expect_fail 1 "s3://$nb2/x.*NoSuchBucket" list "s3://$nb2/x"
expect_fail 1 "s3://Bad_Name$$.*InvalidBucketName.*check the bucket name" \
  init "s3://Bad_Name$$/x" --no-encryption

echo "== clear errors, exit 1"
AWS_SECRET_ACCESS_KEY=wrong expect_fail 1 \
  "SignatureDoesNotMatch.*check the secret key" list "$S" "${K[@]}"
grep -q wrong "$T/stderr" && fail "the secret key was printed"
if s3_on swift "RGW accepts a signature for any region (its zonegroup does not check it)"; then
  expect_fail 1 "AuthorizationHeaderMalformed.*check the region" \
    list "$S" "${K[@]}" --region eu-west-3
fi
expect_fail 1 "s3://no-such-bucket-$$/x.*NoSuchBucket.*oxsnap init" \
  list "s3://no-such-bucket-$$/x"
expect_fail 1 "s3://no-such-bucket-$$/x.*NoSuchBucket.*oxsnap init" \
  snapshot "$img" "s3://no-such-bucket-$$/x" --volume disk
expect_fail 1 "3 tries.*check the endpoint" \
  list "$S" "${K[@]}" --endpoint http://127.0.0.1:1

if [ "$S3_OWN_SERVER" = 1 ]; then
  srv=$S3_SERVER_SCRIPT
  big=$T/big.img
  head -c $((40 * 1048576)) /dev/urandom >"$big"

  echo "== server stopped for good during a snapshot: exit 1, no snapshot"
  OX_S3_RETRIES=2 "$OXSNAP" snapshot "$big" "$S" --volume lost \
    --bwlimit 10M "${K[@]}" >"$T/out" 2>"$T/err" &
  pid=$!
  sleep 1.5
  "$srv" proxy-stop
  rc=0
  wait $pid || rc=$?
  cat "$T/err" >&2
  check_sanitizer "$T/err"
  [ $rc = 1 ] || fail "snapshot with the server gone exited $rc, not 1"
  assert_grep "s3://$bucket/stores/one" "$T/err"
  "$srv" proxy-start
  ox list "$S" "${K[@]}" >"$T/list"
  grep -q "^lost " "$T/list" && fail "a failed snapshot is listed"
  ox verify "$S" "${K[@]}" >/dev/null

  echo "== server restarted in time during a snapshot: it completes"
  OX_S3_RETRIES=40 OX_S3_RETRY_BASE_MS=250 OX_S3_RETRY_CAP_MS=1000 \
    "$OXSNAP" snapshot "$big" "$S" --volume back --bwlimit 10M "${K[@]}" \
    >"$T/out" 2>"$T/err" &
  pid=$!
  sleep 1.5
  "$srv" proxy-stop
  sleep 2
  "$srv" proxy-start
  wait $pid || { cat "$T/err" >&2; fail "snapshot did not survive a restart"; }
  check_sanitizer "$T/err"
  ox restore "$S" back "$T/back.img" "${K[@]}"
  assert_same "$big" "$T/back.img"
fi
echo PASS
