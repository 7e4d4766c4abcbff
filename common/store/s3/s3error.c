/* ox: what to tell the user about a failed S3 request. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "s3error.h"
#include "s3http.h"

static const struct {
  const char *code;
  const char *hint;
} hints[] = {
  { "SignatureDoesNotMatch",
    "check the secret key in AWS_SECRET_ACCESS_KEY or the credentials file, "
    "and that it belongs to the access key" },
  { "InvalidAccessKeyId",
    "check the access key in AWS_ACCESS_KEY_ID or the credentials file" },
  { "NoSuchBucket",
    "no bucket of that name: check it; `oxsnap init STORE` creates the "
    "bucket of a new store" },
  { "BucketAlreadyExists",
    "the name is taken by another account: choose another bucket name" },
  { "InvalidLocationConstraint", "check the region: --region or AWS_REGION" },
  { "IllegalLocationConstraintException",
    "the endpoint serves another region: check --region and --endpoint" },
  { "TooManyBuckets", "the account has as many buckets as it may have" },
  { "AuthorizationHeaderMalformed",
    "check the region: --region or AWS_REGION" },
  { "RequestTimeTooSkewed", "check the clock of this machine" },
  { "AccessDenied",
    "check the credentials and their permissions on the bucket" },
  { "ExpiredToken", "the session token in AWS_SESSION_TOKEN has expired" },
  { "InvalidToken", "check the session token in AWS_SESSION_TOKEN" },
  { "PermanentRedirect",
    "the bucket is in another region: check --region and --endpoint" },
  { "SlowDown", "the server throttles requests: lower the parallelism" },
  { "EntityTooSmall",
    "the server's minimum multipart part size is larger: raise "
    "OX_S3_PART_SIZE" },
  { "InvalidBucketName", "check the bucket name" },
  { "NoSuchUpload",
    "the multipart upload is unknown to the server or was aborted" },
};

const char *
ox_s3_error_hint (const char *code, long status)
{
  size_t i;

  if (code)
    for (i = 0; i < sizeof hints / sizeof hints[0]; i++)
      if (strcmp (code, hints[i].code) == 0)
        return hints[i].hint;
  switch (status) {
  case 301:
  case 307:
    return "the bucket is in another region: check --region and --endpoint";
  case 400:
    return code ? NULL : "bad request: check the region, --region";
  case 403:
    return code ? NULL
                : "access denied: check the access key, secret key and "
                  "region";
  default:
    return NULL;
  }
}

int
ox_s3_error_is_transient (const char *code, long status)
{
  static const char *transient[] = {
    "SlowDown",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
  };
  size_t i;

  /* 501 Not Implemented is final: asking again changes nothing (Swift
   * answers it to a conditional PUT). */
  if ((status >= 500 && status != 501) || status == 429)
    return 1;
  if (code)
    for (i = 0; i < sizeof transient / sizeof transient[0]; i++)
      if (strcmp (code, transient[i]) == 0)
        return 1;
  return 0;
}

/* Copy at most 300 printable characters of S into BUF. */
static const char *
printable (const char *s, char *buf, size_t len)
{
  size_t i;

  for (i = 0; s[i] && i < len - 1; i++)
    buf[i] = isprint ((unsigned char)s[i]) ? s[i] : '?';
  buf[i] = '\0';
  return buf;
}

int
ox_s3_report (const struct ox_s3_request *req,
              const struct ox_s3_response *resp)
{
  const char *hint = ox_s3_error_hint (resp->code, resp->status);
  char code[80], msg[301], region[96] = "", tries[32] = "";

  if (resp->tries > 1)
    snprintf (tries, sizeof tries, " (after %d tries)", resp->tries);
  if (resp->bucket_region[0])
    snprintf (region, sizeof region, "; the bucket is in region %s",
              resp->bucket_region);
  if (resp->code)
    ox_error ("%s %s: HTTP %ld %s: %s%s%s%s%s%s", req->method, req->what,
              resp->status, printable (resp->code, code, sizeof code),
              resp->message ? printable (resp->message, msg, sizeof msg)
                            : "(no message)",
              hint ? " (" : "", hint ? hint : "", hint ? ")" : "", region,
              tries);
  else
    ox_error ("%s %s: HTTP %ld%s%s%s%s%s", req->method, req->what,
              resp->status, hint ? " (" : "", hint ? hint : "",
              hint ? ")" : "", region, tries);
  errno = EIO;
  return -1;
}

int
ox_s3_report_unknown_upload (const struct ox_s3_request *req,
                             const struct ox_s3_response *resp,
                             const char *upload_id)
{
  char code[80], id[128], tries[32] = "";

  if (resp->tries > 1)
    snprintf (tries, sizeof tries, ", after %d tries", resp->tries);
  ox_error ("%s %s: cannot complete the multipart upload of this object: "
            "the server does not know upload %s (it is unknown or was "
            "aborted; HTTP %ld%s%s%s)",
            req->method, req->what, printable (upload_id, id, sizeof id),
            resp->status, resp->code ? " " : "",
            resp->code ? printable (resp->code, code, sizeof code) : "",
            tries);
  errno = EIO;
  return -1;
}
