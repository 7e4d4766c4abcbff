/* ox: S3 multipart uploads step by step against a real S3 server (the Swift
 * of scripts/s3-test-server, or Ceph RGW): parts uploaded out of order and
 * read back, ox_s3_multipart_put, an aborted upload (no object, no upload
 * left), and completions of an unknown or aborted upload id (a plain
 * error naming the object). Skips (77) unless OX_S3_ENDPOINT is set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s3bucket.h"
#include "s3conf.h"
#include "s3http.h"
#include "s3multipart.h"
#include "testlib.h"

#define KIB 1024

static char bucket[64];

static struct ox_s3_client *
client (void)
{
  struct ox_store_options o = { 0 };
  struct ox_s3_config cfg;
  struct ox_s3_client *c;

  o.endpoint = getenv ("OX_S3_ENDPOINT");
  o.connections = 4;
  CHECK (ox_s3_config_load (bucket, "", &o, &cfg) == 0);
  c = ox_s3_client_new (&cfg);
  CHECK (c != NULL);
  return c;
}

/* GET KEY; returns the HTTP status and, for 200, the body in *DATA. */
static long
get (struct ox_s3_client *c, const char *key, char **data, size_t *len)
{
  struct ox_s3_request req = { .method = "GET", .key = key, .what = key };
  struct ox_s3_response resp;
  long status;

  CHECK (ox_s3_perform (c, &req, &resp) == 0);
  status = resp.status;
  *data = NULL;
  *len = resp.body.len;
  if (status == 200) {
    *data = malloc (resp.body.len + 1);
    CHECK (*data != NULL);
    memcpy (*data, resp.body.data ? resp.body.data : "", resp.body.len);
  }
  ox_s3_response_free (&resp);
  return status;
}

/* Whether the bucket's list of multipart uploads under KEY names ID. */
static int
upload_listed (struct ox_s3_client *c, const char *key, const char *id)
{
  struct ox_sigv4_param p[2] = { { "prefix", key }, { "uploads", "" } };
  struct ox_s3_request req
      = { .method = "GET", .params = p, .nparams = 2, .what = bucket };
  struct ox_s3_response resp;
  char want[256];
  int found;

  CHECK (ox_s3_perform (c, &req, &resp) == 0);
  CHECK_EQ_INT (resp.status, 200);
  CHECK (resp.body.len > 0
         && strstr (resp.body.data, "ListMultipartUploadsResult") != NULL);
  snprintf (want, sizeof want, "<UploadId>%s</UploadId>", id);
  found = strstr (resp.body.data, want) != NULL;
  ox_s3_response_free (&resp);
  return found;
}

/* Three parts of 300 KiB, 300 KiB and 123 bytes, sent last first: the
 * object is assembled by part number. */
static void
check_parts (struct ox_s3_client *c)
{
  const size_t psize = 300 * KIB, len = 2 * psize + 123;
  unsigned char *data = ox_test_pattern (len, 11);
  char etags[3][OX_S3_ETAG_LEN], *id, *got;
  size_t glen, i;

  CHECK (ox_s3_multipart_initiate (c, "mp/parts", "mp/parts", &id) == 0);
  CHECK (id != NULL && id[0] != '\0');
  CHECK (upload_listed (c, "mp/parts", id));
  for (i = 3; i >= 1; i--)
    CHECK (ox_s3_multipart_upload_part (c, "mp/parts", "mp/parts", id, i,
                                        data + (i - 1) * psize,
                                        i == 3 ? 123 : psize, etags[i - 1])
           == 0);
  for (i = 0; i < 3; i++)
    CHECK (etags[i][0] != '\0');
  CHECK (strcmp (etags[0], etags[1]) != 0);
  CHECK (ox_s3_multipart_complete (c, "mp/parts", "mp/parts", id,
                                   (const char (*)[OX_S3_ETAG_LEN])etags, 3,
                                   len)
         == 0);
  CHECK (!upload_listed (c, "mp/parts", id));
  CHECK_EQ_INT (get (c, "mp/parts", &got, &glen), 200);
  CHECK_EQ_INT (glen, len);
  CHECK_MEM (got, data, len);
  free (got);
  free (id);

  /* The whole upload in one call: 10 parts of 64 KiB, the last short. */
  CHECK (ox_s3_part_size (len, 64 * KIB) == 64 * KIB);
  CHECK (ox_s3_multipart_put (c, "mp/put", "mp/put", data, 9 * 64 * KIB + 5)
         == 0);
  CHECK_EQ_INT (get (c, "mp/put", &got, &glen), 200);
  CHECK_EQ_INT (glen, 9 * 64 * KIB + 5);
  CHECK_MEM (got, data, glen);
  free (got);
  free (data);
  CHECK_EQ_INT (ox_test_errors (), 0);
}

/* An aborted upload leaves no object and no upload; completing it fails
 * with the plain message. */
static void
check_abort (struct ox_s3_client *c)
{
  unsigned char *data = ox_test_pattern (200 * KIB, 12);
  char etag[1][OX_S3_ETAG_LEN], *id, *got;
  size_t glen;

  CHECK (ox_s3_multipart_initiate (c, "mp/aborted", "mp/aborted", &id) == 0);
  CHECK (ox_s3_multipart_upload_part (c, "mp/aborted", "mp/aborted", id, 1,
                                      data, 200 * KIB, etag[0])
         == 0);
  CHECK (upload_listed (c, "mp/aborted", id));
  ox_test_reset_log ();
  ox_s3_multipart_abort (c, "mp/aborted", "mp/aborted", id);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK (!upload_listed (c, "mp/aborted", id));
  CHECK_EQ_INT (get (c, "mp/aborted", &got, &glen), 404);
  /* Aborting again is fine: the upload is gone already. */
  ox_s3_multipart_abort (c, "mp/aborted", "mp/aborted", id);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);

  errno = 0;
  CHECK (ox_s3_multipart_complete (c, "mp/aborted", "s3://b/mp/aborted", id,
                                   (const char (*)[OX_S3_ETAG_LEN])etag, 1,
                                   200 * KIB)
         == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("POST s3://b/mp/aborted: cannot complete the multipart "
               "upload of this object: the server does not know upload ");
  CHECK_ERROR (id);
  CHECK_ERROR ("(it is unknown or was aborted; HTTP ");
  CHECK_EQ_INT (get (c, "mp/aborted", &got, &glen), 404);
  free (id);
  free (data);
}

/* An upload id the server never gave. */
static void
check_unknown_id (struct ox_s3_client *c)
{
  char etag[1][OX_S3_ETAG_LEN] = { "\"0123456789abcdef0123456789abcdef\"" };
  char *got;
  size_t glen;

  ox_test_reset_log ();
  errno = 0;
  CHECK (ox_s3_multipart_complete (c, "mp/unknown", "s3://b/mp/unknown",
                                   "ox-no-such-upload-id",
                                   (const char (*)[OX_S3_ETAG_LEN])etag, 1, 5)
         == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("POST s3://b/mp/unknown: cannot complete the multipart "
               "upload of this object: the server does not know upload "
               "ox-no-such-upload-id (it is unknown or was aborted; HTTP ");
  CHECK_EQ_INT (get (c, "mp/unknown", &got, &glen), 404);
}

int
main (void)
{
  struct ox_s3_client *c;
  char url[128];
  int created;

  if (getenv ("OX_S3_ENDPOINT") == NULL) {
    fprintf (stderr, "OX_S3_ENDPOINT is not set: skipping (scripts/test "
                     "starts the S3 test server)\n");
    return 77;
  }
  setvbuf (stdout, NULL, _IOLBF, 0);
  ox_test_capture (1);
  /* Fail fast where a failure is expected (RGW retries its 500). */
  setenv ("OX_S3_RETRIES", "3", 0);
  setenv ("OX_S3_RETRY_BASE_MS", "50", 0);
  snprintf (bucket, sizeof bucket, "oxmultipart-%ld-%d", (long)time (NULL),
            (int)getpid ());
  snprintf (url, sizeof url, "s3://%s", bucket);
  c = client ();
  CHECK (ox_s3_bucket_create (c, url, &created) == 0);
  check_parts (c);
  check_abort (c);
  check_unknown_id (c);
  ox_s3_client_free (c);
  printf ("s3multipart: all checks passed against %s\n",
          getenv ("OX_S3_ENDPOINT"));
  return 0;
}
