/* ox: S3 buckets: existence check and CreateBucket. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "s3error.h"
#include "s3bucket.h"

char *
ox_s3_bucket_create_body (const char *region)
{
  char *body;

  if (strcmp (region, "us-east-1") == 0)
    return strdup ("");
  if (asprintf (&body,
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/"
                "doc/2006-03-01/\"><LocationConstraint>%s</"
                "LocationConstraint></CreateBucketConfiguration>",
                region)
      == -1)
    return NULL;
  return body;
}

int
ox_s3_bucket_create (struct ox_s3_client *c, const char *url, int *created)
{
  const struct ox_s3_config *cfg = ox_s3_client_config (c);
  CLEANUP_FREE char *body = ox_s3_bucket_create_body (cfg->region);
  CLEANUP_FREE char *what = NULL;
  struct ox_s3_request req
      = { .method = "PUT", .content_md5 = 1, .max_body = 1024 * 1024 };
  struct ox_s3_response resp;
  int r = -1;

  *created = 0;
  if (body == NULL
      || asprintf (&what, "s3://%s (creation of the bucket in region %s)",
                   cfg->bucket, cfg->region)
             == -1) {
    what = NULL;
    ox_error ("%s: %m", url);
    return -1;
  }
  req.body = body;
  req.body_len = strlen (body);
  req.what = what;
  if (ox_s3_perform (c, &req, &resp) == 0) {
    if (resp.status == 200) {
      *created = 1;
      r = 0;
    } else if (resp.code && strcmp (resp.code, "BucketAlreadyOwnedByYou") == 0)
      r = 0;
    else
      ox_s3_report (&req, &resp);
  }
  ox_s3_response_free (&resp);
  return r;
}

int
ox_s3_bucket_ensure (struct ox_s3_client *c, const char *prefix,
                     const char *url, int *created)
{
  struct ox_sigv4_param p[3]
      = { { "list-type", "2" }, { "max-keys", "1" }, { "prefix", prefix } };
  CLEANUP_FREE char *what = NULL;
  struct ox_s3_request req = {
    .method = "GET", .params = p, .nparams = 3, .max_body = 1024 * 1024
  };
  struct ox_s3_response resp;
  int r = -1, missing = 0;

  *created = 0;
  if (asprintf (&what, "%s (listing)", url) == -1) {
    what = NULL;
    ox_error ("%s: %m", url);
    return -1;
  }
  req.what = what;
  if (ox_s3_perform (c, &req, &resp) == 0) {
    if (resp.status == 200)
      r = 0;
    else if (resp.status == 404 && resp.code
             && strcmp (resp.code, "NoSuchBucket") == 0)
      missing = 1;
    else
      ox_s3_report (&req, &resp);
  }
  ox_s3_response_free (&resp);
  if (missing)
    r = ox_s3_bucket_create (c, url, created);
  return r;
}
