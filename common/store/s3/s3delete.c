/* ox: S3 DeleteObjects in adaptive batches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "s3error.h"
#include "monotime.h"
#include "s3buf.h"
#include "s3delete.h"
#include "s3xml.h"

static void
append_escaped (struct ox_s3buf *b, const char *s)
{
  for (; *s; s++) {
    if (*s == '&')
      ox_s3buf_puts (b, "&amp;");
    else if (*s == '<')
      ox_s3buf_puts (b, "&lt;");
    else if (*s == '>')
      ox_s3buf_puts (b, "&gt;");
    else
      ox_s3buf_append (b, s, 1);
  }
}

/* The <Delete> document for N keys. */
static char *
delete_body (const char *prefix, const char *const *keys, size_t n)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  size_t i;

  ox_s3buf_puts (&b, "<Delete><Quiet>true</Quiet>");
  for (i = 0; i < n; i++) {
    ox_s3buf_puts (&b, "<Object><Key>");
    append_escaped (&b, prefix);
    append_escaped (&b, keys[i]);
    ox_s3buf_puts (&b, "</Key></Object>");
  }
  ox_s3buf_puts (&b, "</Delete>");
  return ox_s3buf_steal (&b);
}

/* Report the first <Error> of a DeleteResult other than NoSuchKey.
 * Returns 0 if there is none, else -1. */
static int
check_result (const char *url, const struct ox_s3_response *resp)
{
  const char *pos = resp->body.data ? resp->body.data : "";
  const char *end = pos + resp->body.len, *in;
  size_t len;
  int r;

  while ((r = ox_s3xml_next (&pos, end, "Error", &in, &len)) == 1) {
    CLEANUP_FREE char *key = NULL;
    CLEANUP_FREE char *code = NULL;
    CLEANUP_FREE char *msg = NULL;

    ox_s3xml_text (in, len, "Key", &key);
    ox_s3xml_text (in, len, "Code", &code);
    ox_s3xml_text (in, len, "Message", &msg);
    if (code && strcmp (code, "NoSuchKey") == 0)
      continue;
    ox_error ("DELETE %s (batch): key %s: %s: %s", url, key ? key : "?",
              code ? code : "?", msg ? msg : "(no message)");
    errno = EIO;
    return -1;
  }
  if (r == -1) {
    ox_error ("POST %s (batch delete): malformed answer", url);
    errno = EIO;
    return -1;
  }
  return 0;
}

/* One DeleteObjects request of N keys, which may stay silent for TIMEOUT
 * seconds. Returns 0, or -1 with errno ETIMEDOUT (not reported) if it
 * timed out, or -1 with an error. */
static int
delete_batch (struct ox_s3_client *c, const char *prefix, const char *url,
              const char *const *keys, size_t n, long timeout)
{
  struct ox_sigv4_param p = { "delete", "" };
  CLEANUP_FREE char *body = delete_body (prefix, keys, n);
  CLEANUP_FREE char *what = NULL;
  struct ox_s3_request req = {
    .method = "POST",
    .params = &p,
    .nparams = 1,
    .content_md5 = 1,
    .max_body = 16 * 1024 * 1024,
    .stall_timeout = timeout,
    .stall_final = 1,
  };
  struct ox_s3_response resp;
  int r = -1;

  if (body == NULL
      || asprintf (&what, "%s (delete of %zu keys)", url, n) == -1) {
    what = NULL;
    ox_error ("POST %s (batch delete): %m", url);
    return -1;
  }
  req.body = body;
  req.body_len = strlen (body);
  req.what = what;
  if (ox_s3_perform (c, &req, &resp) == 0) {
    if (resp.status == 200)
      r = check_result (url, &resp);
    else
      ox_s3_report (&req, &resp);
  }
  ox_s3_response_free (&resp);
  return r;
}

void
ox_s3_batch_init (struct ox_s3_batch *b)
{
  b->size = OX_S3_DELETE_BATCH;
  b->quick = b->timeouts = 0;
}

int
ox_s3_batch_timed_out (struct ox_s3_batch *b, size_t sent, int max_timeouts)
{
  b->quick = 0;
  if (++b->timeouts >= (unsigned)max_timeouts)
    return -1;
  /* The last batch may have been smaller than b->size: halve what was sent. */
  b->size = (sent < b->size ? sent : b->size) / 2;
  if (b->size < OX_S3_DELETE_MIN_BATCH)
    b->size = OX_S3_DELETE_MIN_BATCH;
  return 0;
}

void
ox_s3_batch_succeeded (struct ox_s3_batch *b, int quick)
{
  b->timeouts = 0;
  if (!quick) {
    b->quick = 0;
    return;
  }
  if (++b->quick >= OX_S3_DELETE_GROW_AFTER && b->size < OX_S3_DELETE_BATCH) {
    b->size *= 2;
    if (b->size > OX_S3_DELETE_BATCH)
      b->size = OX_S3_DELETE_BATCH;
    b->quick = 0;
  }
}

int
ox_s3_delete_objects (struct ox_s3_client *c, const char *prefix,
                      const char *url, const char *const *keys, size_t n)
{
  const struct ox_s3_config *cfg = ox_s3_client_config (c);
  struct ox_s3_batch b;
  size_t i = 0, m;
  uint64_t start, ms;
  long timeout;

  ox_s3_batch_init (&b);
  while (i < n) {
    m = n - i < b.size ? n - i : b.size;
    timeout = ox_s3_work_timeout (cfg, m);
    start = ox_now_ns ();
    if (delete_batch (c, prefix, url, keys + i, m, timeout) == 0) {
      ms = (ox_now_ns () - start) / 1000000;
      ox_s3_batch_succeeded (&b, ms * 2 < (uint64_t)timeout * 1000);
      i += m;
      continue;
    }
    if (errno != ETIMEDOUT)
      return -1;
    if (ox_s3_batch_timed_out (&b, m, cfg->tries) == -1) {
      ox_error ("POST %s (delete of %zu keys): no answer in %ld s, %d "
                "times in a row with ever smaller batches (the server "
                "stopped answering)",
                url, m, timeout, cfg->tries);
      errno = EIO;
      return -1;
    }
    ox_debug ("s3: %s: delete of %zu keys timed out after %ld s; now %zu "
              "keys per request",
              url, m, timeout, b.size);
  }
  return 0;
}
