/* ox: S3 multipart upload. */
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "s3error.h"
#include "s3multipart.h"
#include "s3xml.h"

struct upload {
  struct ox_s3_client *c;
  const char *key, *what, *upload_id;
  const char *data;
  size_t len, part_size, nparts;
  char (*etags)[OX_S3_ETAG_LEN]; /* per part, as the server returned it */
  _Atomic size_t next;           /* atomic: next part to send */
  _Atomic int failed;            /* atomic: a part failed */
};

size_t
ox_s3_part_size (size_t len, size_t part_size)
{
  size_t min = len / OX_S3_MAX_PARTS + (len % OX_S3_MAX_PARTS != 0);

  return part_size < min ? min : part_size;
}

int
ox_s3_multipart_initiate (struct ox_s3_client *c, const char *key,
                          const char *what, char **upload_id)
{
  struct ox_sigv4_param p = { "uploads", "" };
  struct ox_s3_request req = {
    .method = "POST",
    .key = key,
    .params = &p,
    .nparams = 1,
    .max_body = 1024 * 1024,
    .what = what,
  };
  struct ox_s3_response resp;
  int r = -1;

  *upload_id = NULL;
  if (ox_s3_perform (c, &req, &resp) == -1)
    goto out;
  if (resp.status != 200) {
    ox_s3_report (&req, &resp);
    goto out;
  }
  if (ox_s3xml_text (resp.body.data, resp.body.len, "UploadId", upload_id) != 1
      || **upload_id == '\0') {
    free (*upload_id);
    *upload_id = NULL;
    ox_error ("POST %s (multipart initiation): no UploadId in the answer",
              what);
    errno = EIO;
    goto out;
  }
  r = 0;
out:
  ox_s3_response_free (&resp);
  return r;
}

int
ox_s3_multipart_upload_part (struct ox_s3_client *c, const char *key,
                             const char *what, const char *upload_id,
                             size_t number, const void *data, size_t len,
                             char etag[OX_S3_ETAG_LEN])
{
  char num[24];
  struct ox_sigv4_param p[2]
      = { { "partNumber", num }, { "uploadId", upload_id } };
  struct ox_s3_request req = {
    .method = "PUT",
    .key = key,
    .params = p,
    .nparams = 2,
    .body = data,
    .body_len = len,
    .content_md5 = 1,
    .what = what,
  };
  struct ox_s3_response resp;
  int r = -1;

  snprintf (num, sizeof num, "%zu", number);
  if (ox_s3_perform (c, &req, &resp) == -1)
    goto out;
  if (resp.status != 200) {
    ox_s3_report (&req, &resp);
    goto out;
  }
  if (resp.etag[0] == '\0') {
    ox_error ("PUT %s: the answer has no ETag", what);
    errno = EIO;
    goto out;
  }
  memcpy (etag, resp.etag, OX_S3_ETAG_LEN);
  r = 0;
out:
  ox_s3_response_free (&resp);
  return r;
}

static int
upload_part (struct upload *u, size_t i)
{
  char what[512];
  size_t off = i * u->part_size;
  size_t n = u->len - off < u->part_size ? u->len - off : u->part_size;

  snprintf (what, sizeof what, "%s (part %zu of %zu)", u->what, i + 1,
            u->nparts);
  return ox_s3_multipart_upload_part (u->c, u->key, what, u->upload_id, i + 1,
                                      u->data + off, n, u->etags[i]);
}

static void *
part_worker (void *arg)
{
  struct upload *u = arg;
  size_t i;

  while (!atomic_load_explicit (&u->failed, memory_order_relaxed)) {
    i = atomic_fetch_add_explicit (&u->next, 1, memory_order_relaxed);
    if (i >= u->nparts)
      break;
    if (upload_part (u, i) == -1)
      atomic_store_explicit (&u->failed, 1, memory_order_relaxed);
  }
  return NULL;
}

/* Send all parts with up to the configured number of threads. */
static int
upload_parts (struct upload *u)
{
  size_t nthreads = ox_s3_client_config (u->c)->connections, i, started;
  pthread_t *t;

  if (nthreads > u->nparts)
    nthreads = u->nparts;
  t = calloc (nthreads, sizeof *t);
  if (t == NULL) {
    ox_error ("PUT %s: %m", u->what);
    return -1;
  }
  for (started = 0; started < nthreads; started++)
    if (pthread_create (&t[started], NULL, part_worker, u) != 0)
      break;
  if (started == 0)
    part_worker (u); /* no thread could start: do it here */
  for (i = 0; i < started; i++)
    pthread_join (t[i], NULL);
  free (t);
  return atomic_load_explicit (&u->failed, memory_order_relaxed) ? -1 : 0;
}

/* The CompleteMultipartUpload document. */
static char *
completion_body (const char (*etags)[OX_S3_ETAG_LEN], size_t nparts)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  const char *p;
  size_t i;

  ox_s3buf_puts (&b, "<CompleteMultipartUpload>");
  for (i = 0; i < nparts; i++) {
    ox_s3buf_printf (&b, "<Part><PartNumber>%zu</PartNumber><ETag>", i + 1);
    for (p = etags[i]; *p; p++) {
      if (*p == '&')
        ox_s3buf_puts (&b, "&amp;");
      else if (*p == '<')
        ox_s3buf_puts (&b, "&lt;");
      else if (*p == '>')
        ox_s3buf_puts (&b, "&gt;");
      else
        ox_s3buf_append (&b, p, 1);
    }
    ox_s3buf_puts (&b, "</ETag></Part>");
  }
  ox_s3buf_puts (&b, "</CompleteMultipartUpload>");
  return ox_s3buf_steal (&b);
}

/* Size of the object as the server has it, or -1 (quietly). */
static long long
object_size (struct ox_s3_client *c, const char *key, const char *what)
{
  struct ox_s3_request req = { .method = "HEAD", .key = key, .what = what };
  struct ox_s3_response resp;
  long long size = -1;

  if (ox_s3_perform (c, &req, &resp) == 0 && resp.status == 200
      && resp.has_length)
    size = (long long)resp.content_length;
  ox_s3_response_free (&resp);
  return size;
}

/* Whether the failed completion answer RESP means the server does not know
 * UPLOAD_ID: NoSuchUpload (Swift, AWS), or a 5xx (RGW answers 500
 * "already in progress" for an unknown or aborted id) where ListParts of
 * the id answers 404 (NoSuchUpload; RGW says NoSuchKey). */
static int
upload_unknown (struct ox_s3_client *c, const char *key, const char *what,
                const char *upload_id, const struct ox_s3_response *resp)
{
  struct ox_sigv4_param p[2]
      = { { "max-parts", "1" }, { "uploadId", upload_id } };
  struct ox_s3_request req = { .method = "GET",
                               .key = key,
                               .params = p,
                               .nparams = 2,
                               .max_body = 1024 * 1024,
                               .what = what };
  struct ox_s3_response lr;
  int unknown;

  if (resp->code && strcmp (resp->code, "NoSuchUpload") == 0)
    return 1;
  if (resp->status < 500)
    return 0;
  unknown = ox_s3_perform (c, &req, &lr) == 0 && lr.status == 404;
  ox_s3_response_free (&lr);
  return unknown;
}

int
ox_s3_multipart_complete (struct ox_s3_client *c, const char *key,
                          const char *what, const char *upload_id,
                          const char (*etags)[OX_S3_ETAG_LEN], size_t nparts,
                          size_t len)
{
  struct ox_sigv4_param p = { "uploadId", upload_id };
  CLEANUP_FREE char *body = completion_body (etags, nparts);
  struct ox_s3_request req = {
    .method = "POST",
    .key = key,
    .params = &p,
    .nparams = 1,
    .body = body,
    .body_len = body ? strlen (body) : 0,
    .max_body = 1024 * 1024,
    .error_in_body = 1,
    .quiet_final = 1,
    .what = what,
    /* The server assembles the parts before it answers (Swift sends at
     * most a space every 10 s meanwhile, which is no progress to curl). */
    .stall_timeout = ox_s3_work_timeout (ox_s3_client_config (c), nparts),
  };
  struct ox_s3_response resp;
  int r = -1;

  if (body == NULL) {
    ox_error ("POST %s (multipart completion): %m", what);
    return -1;
  }
  if (ox_s3_perform (c, &req, &resp) == -1)
    goto out;
  if (resp.status == 200 && !resp.code)
    r = 0;
  else if (resp.tries > 1 && resp.code
           && strcmp (resp.code, "NoSuchUpload") == 0
           && object_size (c, key, what) == (long long)len)
    r = 0; /* an earlier try completed it but its answer was lost */
  else if (upload_unknown (c, key, what, upload_id, &resp))
    ox_s3_report_unknown_upload (&req, &resp, upload_id);
  else
    ox_s3_report (&req, &resp);
out:
  ox_s3_response_free (&resp);
  return r;
}

void
ox_s3_multipart_abort (struct ox_s3_client *c, const char *key,
                       const char *what, const char *upload_id)
{
  struct ox_sigv4_param p = { "uploadId", upload_id };
  struct ox_s3_request req = {
    .method = "DELETE", .key = key, .params = &p, .nparams = 1, .what = what
  };
  struct ox_s3_response resp;

  if (ox_s3_perform (c, &req, &resp) == 0 && resp.status / 100 != 2
      && resp.status != 404)
    ox_warning ("DELETE %s: could not abort multipart upload %s (HTTP %ld)",
                what, upload_id, resp.status);
  ox_s3_response_free (&resp);
}

int
ox_s3_multipart_put (struct ox_s3_client *c, const char *key, const char *what,
                     const void *data, size_t len)
{
  const struct ox_s3_config *cfg = ox_s3_client_config (c);
  struct upload u
      = { .c = c, .key = key, .what = what, .data = data, .len = len };
  CLEANUP_FREE char *upload_id = NULL;
  long long size;
  int r = -1;

  u.part_size = ox_s3_part_size (len, cfg->part_size);
  u.nparts = len / u.part_size + (len % u.part_size != 0);
  if (u.nparts == 0)
    u.nparts = 1;
  u.etags = calloc (u.nparts, sizeof *u.etags);
  if (u.etags == NULL) {
    ox_error ("PUT %s: %m", what);
    return -1;
  }
  if (ox_s3_multipart_initiate (c, key, what, &upload_id) == -1)
    goto out;
  u.upload_id = upload_id;
  ox_debug ("s3: multipart upload of %s: %zu parts of %zu bytes", what,
            u.nparts, u.part_size);
  if (upload_parts (&u) == -1
      || ox_s3_multipart_complete (c, key, what, upload_id,
                                   (const char (*)[OX_S3_ETAG_LEN])u.etags,
                                   u.nparts, len)
             == -1) {
    ox_s3_multipart_abort (c, key, what, upload_id);
    goto out;
  }
  size = object_size (c, key, what);
  if (size != (long long)len) {
    ox_error ("PUT %s: after the multipart upload the object has %lld "
              "bytes, not %zu",
              what, size, len);
    errno = EIO;
    goto out;
  }
  r = 0;
out:
  free (u.etags);
  return r;
}
