/* Test the S3 error hints, the transient classification (s3error.c) and
 * header parsing (s3http.c), which need no server. */
#include <errno.h>
#include <string.h>

#include "s3error.h"
#include "s3http.h"
#include "testlib.h"

static void
check_header (const char *line, const char *name, int found, const char *want)
{
  char out[16] = "unset";

  CHECK_EQ_INT (
      ox_s3_header_value (line, strlen (line), name, out, sizeof out), found);
  CHECK (strcmp (out, found ? want : "unset") == 0);
}

int
main (void)
{
  struct ox_s3_request req = { .method = "GET", .what = "object x" };
  struct ox_s3_response resp = { 0 };

  CHECK (
      strstr (ox_s3_error_hint ("SignatureDoesNotMatch", 403), "secret key"));
  CHECK (strstr (ox_s3_error_hint ("NoSuchBucket", 404), "oxsnap init"));
  CHECK (strstr (ox_s3_error_hint (NULL, 301), "another region"));
  CHECK (strstr (ox_s3_error_hint (NULL, 403), "access denied"));
  CHECK (ox_s3_error_hint ("Whatever", 403) == NULL);
  CHECK (ox_s3_error_hint (NULL, 404) == NULL);

  CHECK (ox_s3_error_is_transient (NULL, 500));
  CHECK (ox_s3_error_is_transient (NULL, 503));
  CHECK (ox_s3_error_is_transient (NULL, 429));
  CHECK (!ox_s3_error_is_transient (NULL, 501));
  CHECK (ox_s3_error_is_transient ("SlowDown", 400));
  CHECK (ox_s3_error_is_transient ("RequestTimeout", 400));
  CHECK (!ox_s3_error_is_transient ("AccessDenied", 403));
  CHECK (!ox_s3_error_is_transient (NULL, 404));

  check_header ("ETag: \"abc\"\r\n", "etag", 1, "\"abc\"");
  check_header ("content-LENGTH:\t 42 \r\n", "Content-Length", 1, "42");
  check_header ("ETagX: 1\r\n", "etag", 0, NULL);
  check_header ("ETag\r\n", "etag", 0, NULL);
  check_header ("ETag:\r\n", "etag", 1, "");
  check_header ("ETag: 0123456789abcdefXYZ\r\n", "etag", 1,
                "0123456789abcde"); /* truncated to fit */

  ox_test_capture (0);
  resp.status = 403;
  resp.code = (char *)"AccessDenied";
  resp.message = (char *)"no\x01way";
  resp.tries = 3;
  errno = 0;
  CHECK (ox_s3_report (&req, &resp) == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("GET object x: HTTP 403 AccessDenied: no?way (check the "
               "credentials");
  CHECK_ERROR ("(after 3 tries)");
  resp.code = resp.message = NULL;
  resp.tries = 1;
  resp.status = 301;
  snprintf (resp.bucket_region, sizeof resp.bucket_region, "eu-west-1");
  CHECK (ox_s3_report (&req, &resp) == -1);
  CHECK_ERROR ("GET object x: HTTP 301 (the bucket is in another region");
  CHECK_ERROR ("; the bucket is in region eu-west-1");

  /* A completion of an upload the server does not know. */
  CHECK (strstr (ox_s3_error_hint ("NoSuchUpload", 404), "was aborted"));
  req.method = "POST";
  resp.status = 500;
  resp.code = (char *)"InternalError";
  resp.tries = 6;
  resp.bucket_region[0] = '\0';
  ox_test_reset_log ();
  errno = 0;
  CHECK (ox_s3_report_unknown_upload (&req, &resp, "id\n1") == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK (strcmp (ox_test_last_error (),
                 "POST object x: cannot complete the multipart upload of "
                 "this object: the server does not know upload id?1 (it is "
                 "unknown or was aborted; HTTP 500 InternalError, after 6 "
                 "tries)")
         == 0);
  resp.code = NULL;
  resp.status = 404;
  resp.tries = 1;
  CHECK (ox_s3_report_unknown_upload (&req, &resp, "u") == -1);
  CHECK (strcmp (ox_test_last_error (),
                 "POST object x: cannot complete the multipart upload of "
                 "this object: the server does not know upload u (it is "
                 "unknown or was aborted; HTTP 404)")
         == 0);
  return 0;
}
