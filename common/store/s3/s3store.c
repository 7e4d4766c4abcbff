/* ox: the s3:// object store backend (common/store.h's interface over the
 * S3 HTTP client). */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "s3error.h"
#include "monotime.h"
#include "ratelimit.h"
#include "s3bucket.h"
#include "s3delete.h"
#include "s3http.h"
#include "s3multipart.h"
#include "s3store.h"
#include "s3xml.h"
#include "store.h"

struct s3_store {
  struct ox_store base;
  struct ox_s3_client *client;
  const struct ox_s3_config *cfg; /* the client's */
  _Atomic int bucket_ok;          /* atomic: the bucket answered a listing */
  int created_bucket;             /* opening with opts->create made it */
  _Atomic int conditional; /* atomic. If-None-Match: * on PUT: 0 untried, 1
                      honoured, -1 not implemented or ignored */
};

static const struct ox_store_ops s3_ops;

/* The full key in the bucket of KEY, and its name for messages. */
struct names {
  char *full;
  char *what;
};

static int
make_names (struct s3_store *s, const char *key, struct names *n)
{
  n->full = n->what = NULL;
  if (key[0] == '\0') {
    ox_error ("%s: empty object key", s->base.url);
    errno = EINVAL;
    return -1;
  }
  if (asprintf (&n->full, "%s%s", s->cfg->prefix, key) == -1)
    n->full = NULL;
  if (asprintf (&n->what, "%s/%s", s->base.url, key) == -1)
    n->what = NULL;
  if (n->full == NULL || n->what == NULL) {
    ox_error ("%s/%s: %m", s->base.url, key);
    free (n->full);
    free (n->what);
    return -1;
  }
  return 0;
}

static void
free_names (struct names *n)
{
  free (n->full);
  free (n->what);
}

/* List one key of the store prefix: proves the bucket exists and the
 * credentials work, or reports why not (with the S3 error code, which
 * HEAD answers cannot carry). Returns 0 or -1. */
static int
probe_bucket (struct s3_store *s)
{
  struct ox_sigv4_param p[3] = { { "list-type", "2" },
                                 { "max-keys", "1" },
                                 { "prefix", s->cfg->prefix } };
  CLEANUP_FREE char *what = NULL;
  struct ox_s3_request req = {
    .method = "GET", .params = p, .nparams = 3, .max_body = 1024 * 1024
  };
  struct ox_s3_response resp;
  int r = -1;

  if (atomic_load_explicit (&s->bucket_ok, memory_order_relaxed))
    return 0;
  if (asprintf (&what, "%s (listing)", s->base.url) == -1) {
    what = NULL;
    ox_error ("%s: %m", s->base.url);
    return -1;
  }
  req.what = what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status == 200) {
      atomic_store_explicit (&s->bucket_ok, 1, memory_order_relaxed);
      r = 0;
    } else
      ox_s3_report (&req, &resp);
  }
  ox_s3_response_free (&resp);
  return r;
}

/* A 404 answer: a missing object is ENOENT without a message; a missing
 * bucket is an error. */
static int
not_found (struct s3_store *s, const struct ox_s3_request *req,
           const struct ox_s3_response *resp)
{
  if (resp->code && strcmp (resp->code, "NoSuchKey") != 0)
    return ox_s3_report (req, resp);
  if (resp->code == NULL && probe_bucket (s) == -1)
    return -1;
  errno = ENOENT;
  return -1;
}

/* Report a failed answer; for HEAD, which carries no error body, ask the
 * bucket for the reason first. */
static int
failed (struct s3_store *s, const struct ox_s3_request *req,
        const struct ox_s3_response *resp)
{
  if (resp->status == 404)
    return not_found (s, req, resp);
  if (resp->code == NULL && strcmp (req->method, "HEAD") == 0
      && probe_bucket (s) == -1) {
    errno = EIO;
    return -1;
  }
  return ox_s3_report (req, resp);
}

static int
s3_put (struct ox_store *st, const char *key, const void *data, size_t len)
{
  struct s3_store *s = (struct s3_store *)st;
  struct names n;
  struct ox_s3_request req
      = { .method = "PUT", .body = data, .body_len = len, .content_md5 = 1 };
  struct ox_s3_response resp;
  int r = -1;

  if (make_names (s, key, &n) == -1)
    return -1;
  if (len > s->cfg->multipart_threshold) {
    r = ox_s3_multipart_put (s->client, n.full, n.what, data, len);
    free_names (&n);
    return r;
  }
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status == 200)
      r = 0;
    else
      failed (s, &req, &resp);
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

/* Create-only writes (put_new). A server that honours "If-None-Match: *"
 * on PUT creates the object only if it is absent, atomically. Swift's
 * s3api answers 501 NotImplemented: then, remembered for the store, the
 * object is checked absent (HEAD), written and read back; bytes that are
 * not ours mean another writer won. That leaves a race (docs/DESIGN.md,
 * "Create-only writes"), which callers make improbable by choosing keys
 * no other writer is likely to choose at the same moment. */

static int s3_get (struct ox_store *st, const char *key, void **data,
                   size_t *len);

/* Read KEY back after writing it: 0 if it holds exactly DATA, -1 with
 * EEXIST (not reported) if it holds something else or nothing. */
static int
check_written (struct ox_store *st, const char *key, const void *data,
               size_t len)
{
  CLEANUP_FREE void *got = NULL;
  size_t got_len;

  if (s3_get (st, key, &got, &got_len) == -1) {
    if (errno == ENOENT) {
      /* Seen with Swift while another writer's PUT of the key was under
       * way: the key is not reliably ours, so it is taken. */
      ox_debug ("%s/%s: missing right after it was written: taken", st->url,
                key);
      errno = EEXIST;
    }
    return -1;
  }
  if (got_len != len || memcmp (got, data, len) != 0) {
    errno = EEXIST;
    return -1;
  }
  return 0;
}

/* What a conditional PUT was answered. */
enum cond_answer {
  COND_ERROR = -1,  /* reported */
  COND_CREATED,     /* 200 */
  COND_PRESENT,     /* 412 PreconditionFailed */
  COND_CONFLICT,    /* 409 ConditionalRequestConflict: another writer's */
  COND_UNSUPPORTED, /* 501 NotImplemented */
};

/* PUT KEY with If-None-Match: *. */
static enum cond_answer
put_conditional (struct s3_store *s, const char *key, const void *data,
                 size_t len)
{
  struct names n;
  struct ox_s3_request req = { .method = "PUT",
                               .body = data,
                               .body_len = len,
                               .content_md5 = 1,
                               .if_none_match = 1 };
  struct ox_s3_response resp;
  enum cond_answer r = COND_ERROR;

  if (make_names (s, key, &n) == -1)
    return COND_ERROR;
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status == 200)
      r = COND_CREATED;
    else if (resp.status == 412)
      r = COND_PRESENT;
    else if (resp.status == 409)
      r = COND_CONFLICT;
    else if (resp.status == 501
             || (resp.code && strcmp (resp.code, "NotImplemented") == 0)) {
      ox_debug ("s3: %s: no conditional PUT (%ld %s): create-only writes "
                "check before and after",
                s->base.url, resp.status, resp.code ? resp.code : "");
      r = COND_UNSUPPORTED;
    } else
      failed (s, &req, &resp);
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

static int s3_stat (struct ox_store *st, const char *key, uint64_t *size);

/* 0 if KEY is absent, -1 with EEXIST (unreported) if present, or an
 * error. */
static int
check_absent (struct ox_store *st, const char *key)
{
  uint64_t size;

  if (s3_stat (st, key, &size) == 0) {
    errno = EEXIST;
    return -1;
  }
  return errno == ENOENT ? 0 : -1;
}

/* Shortest wait before the second read-back of the fallback. */
#define SETTLE_MIN_NS (250 * 1000000ull)

/* The read-backs of the fallback, for a PUT whose HEAD began at T0: read
 * back; then, after twice as long as that took (at least SETTLE_MIN_NS),
 * read back once more. A writer that found the key absent too and whose
 * PUT lands in that time replaced our object: the second read-back sees it
 * and we lose (EEXIST) instead of both believing they won. */
static int
check_settled (struct ox_store *st, const char *key, const void *data,
               size_t len, uint64_t t0)
{
  uint64_t wait;
  struct timespec ts;

  if (check_written (st, key, data, len) == -1)
    return -1;
  wait = 2 * (ox_now_ns () - t0);
  if (wait < SETTLE_MIN_NS)
    wait = SETTLE_MIN_NS;
  ts.tv_sec = (time_t)(wait / 1000000000u);
  ts.tv_nsec = (long)(wait % 1000000000u);
  while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
    ;
  return check_written (st, key, data, len);
}

/* The first conditional PUT of a store (its HEAD began at T0): a server
 * that ignores the header would answer 200 too, and would have replaced an
 * existing object, so the key was checked absent before, and the same PUT
 * is sent again: a server that honours it refuses (412); one that ignores
 * it rewrites our own bytes, so those two PUTs were unconditional: the
 * fallback's read-backs judge them (a single one would let a writer whose
 * PUT landed between ours win too), and from then on the fallback is
 * used. */
static int
learn_conditional (struct s3_store *s, const char *key, const void *data,
                   size_t len, uint64_t t0)
{
  enum cond_answer again = put_conditional (s, key, data, len);

  if (again == COND_ERROR)
    return -1;
  if (again == COND_PRESENT) {
    atomic_store_explicit (&s->conditional, 1, memory_order_relaxed);
    return 0;
  }
  ox_debug ("s3: %s: the server ignores If-None-Match: create-only writes "
            "check before and after",
            s->base.url);
  atomic_store_explicit (&s->conditional, -1, memory_order_relaxed);
  return check_settled (&s->base, key, data, len, t0);
}

/* The fallback: HEAD (absent), PUT, then the read-backs of check_settled.
 * Only a writer stalled between its HEAD and its PUT for longer than all
 * of this still wins twice (DESIGN.md). */
static int
put_checked (struct ox_store *st, const char *key, const void *data,
             size_t len)
{
  uint64_t t0 = ox_now_ns ();

  if (check_absent (st, key) == -1 || s3_put (st, key, data, len) == -1)
    return -1;
  return check_settled (st, key, data, len, t0);
}

static int
s3_put_new (struct ox_store *st, const char *key, const void *data, size_t len)
{
  struct s3_store *s = (struct s3_store *)st;
  int known = atomic_load_explicit (&s->conditional, memory_order_relaxed);
  uint64_t t0 = ox_now_ns ();

  if (len <= s->cfg->multipart_threshold && known >= 0) {
    if (known == 0 && check_absent (st, key) == -1)
      return -1;
    switch (put_conditional (s, key, data, len)) {
    case COND_ERROR:
      return -1;
    case COND_CREATED:
      return known ? 0 : learn_conditional (s, key, data, len, t0);
    case COND_PRESENT: /* perhaps by our own attempt that was retried */
      return check_written (st, key, data, len);
    case COND_CONFLICT:
      errno = EEXIST;
      return -1;
    case COND_UNSUPPORTED:
      atomic_store_explicit (&s->conditional, -1, memory_order_relaxed);
      break;
    }
  }
  return put_checked (st, key, data, len);
}

/* Check that a 2xx answer to a ranged GET holds exactly the range. */
static int
check_range (const struct ox_s3_request *req,
             const struct ox_s3_response *resp)
{
  unsigned long long first, last, total;
  uint64_t want_last = req->range_off + req->range_len - 1;

  if (resp->status == 200) {
    /* The Range was ignored and the whole object sent; it fit. */
    if (req->range_off == 0 && resp->received == req->range_len)
      return 0;
    goto short_object;
  }
  if (sscanf (resp->content_range, "bytes %llu-%llu/%llu", &first, &last,
              &total)
          != 3
      || first != req->range_off || last > want_last) {
    ox_error ("GET %s: the server answered range \"%s\" to bytes=%llu-%llu",
              req->what, resp->content_range,
              (unsigned long long)req->range_off,
              (unsigned long long)want_last);
    errno = EIO;
    return -1;
  }
  if (last != want_last)
    goto short_object;
  if (resp->received != req->range_len) {
    ox_error ("GET %s: received %zu bytes of %zu at offset %llu", req->what,
              resp->received, req->range_len,
              (unsigned long long)req->range_off);
    errno = EIO;
    return -1;
  }
  return 0;

short_object:
  ox_error ("GET %s: the object is shorter than %llu bytes (read of %zu "
            "bytes at offset %llu)",
            req->what, (unsigned long long)want_last + 1, req->range_len,
            (unsigned long long)req->range_off);
  errno = EIO;
  return -1;
}

static int
s3_get_range (struct ox_store *st, const char *key, uint64_t offset, void *buf,
              size_t len)
{
  struct s3_store *s = (struct s3_store *)st;
  struct names n;
  struct ox_s3_request req = { .method = "GET",
                               .range = 1,
                               .range_off = offset,
                               .range_len = len,
                               .dest = buf,
                               .dest_len = len };
  struct ox_s3_response resp;
  uint64_t size;
  int r = -1;

  if (len == 0) {
    if (s3_stat (st, key, &size) == -1)
      return -1;
    if (offset > size) {
      ox_error ("GET %s/%s: offset %llu is past the end (%llu bytes)", st->url,
                key, (unsigned long long)offset, (unsigned long long)size);
      errno = EIO;
      return -1;
    }
    return 0;
  }
  if (offset > UINT64_MAX - len) {
    ox_error ("GET %s/%s: range overflows", st->url, key);
    errno = EINVAL;
    return -1;
  }
  if (make_names (s, key, &n) == -1)
    return -1;
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status == 200 || resp.status == 206)
      r = check_range (&req, &resp);
    else if (resp.status == 416) {
      ox_error ("GET %s: the object is shorter than %llu bytes (read of %zu "
                "bytes at offset %llu)",
                n.what, (unsigned long long)(offset + len), len,
                (unsigned long long)offset);
      errno = EIO;
    } else
      failed (s, &req, &resp);
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

static int
s3_get (struct ox_store *st, const char *key, void **data, size_t *len)
{
  struct s3_store *s = (struct s3_store *)st;
  struct names n;
  struct ox_s3_request req = { .method = "GET" };
  struct ox_s3_response resp;
  int r = -1;

  if (make_names (s, key, &n) == -1)
    return -1;
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status != 200)
      failed (s, &req, &resp);
    else if (resp.has_length && resp.content_length != resp.body.len) {
      ox_error ("GET %s: received %zu bytes of %llu", n.what, resp.body.len,
                (unsigned long long)resp.content_length);
      errno = EIO;
    } else {
      *len = resp.body.len;
      *data = ox_s3buf_steal (&resp.body);
      if (*data == NULL)
        ox_error ("GET %s: %m", n.what);
      else
        r = 0;
    }
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

static int
s3_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  struct s3_store *s = (struct s3_store *)st;
  struct names n;
  struct ox_s3_request req = { .method = "HEAD" };
  struct ox_s3_response resp;
  int r = -1;

  if (make_names (s, key, &n) == -1)
    return -1;
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status != 200)
      failed (s, &req, &resp);
    else if (!resp.has_length) {
      ox_error ("HEAD %s: the answer has no Content-Length", n.what);
      errno = EIO;
    } else {
      *size = resp.content_length;
      r = 0;
    }
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

static int
s3_del (struct ox_store *st, const char *key)
{
  struct s3_store *s = (struct s3_store *)st;
  struct names n;
  struct ox_s3_request req = { .method = "DELETE" };
  struct ox_s3_response resp;
  uint64_t size;
  int r = -1;

  /* S3 answers 204 for a missing key too: ask first, for ENOENT. */
  if (s3_stat (st, key, &size) == -1)
    return -1;
  if (make_names (s, key, &n) == -1)
    return -1;
  req.key = n.full;
  req.what = n.what;
  if (ox_s3_perform (s->client, &req, &resp) == 0) {
    if (resp.status == 204 || resp.status == 200)
      r = 0;
    else
      failed (s, &req, &resp);
  }
  ox_s3_response_free (&resp);
  free_names (&n);
  return r;
}

/* State of a listing across pages. */
struct listing {
  struct s3_store *s;
  ox_store_list_fn fn;
  void *opaque;
  char *full_prefix;
  char *what; /* "s3://bucket/prefix (listing)" */
  char *last; /* the last key passed to fn, for the order check */
};

/* Pass one <Contents> entry to the callback. */
static int
list_entry (struct listing *l, const char *xml, size_t len)
{
  CLEANUP_FREE char *key = NULL;
  CLEANUP_FREE char *size_s = NULL;
  size_t plen = strlen (l->s->cfg->prefix);
  uint64_t size;

  if (ox_s3xml_text (xml, len, "Key", &key) != 1
      || ox_s3xml_text (xml, len, "Size", &size_s) != 1
      || ox_s3xml_u64 (size_s, &size) == -1) {
    ox_error ("GET %s: an entry without a valid Key and Size", l->what);
    errno = EIO;
    return -1;
  }
  if (strncmp (key, l->full_prefix, strlen (l->full_prefix)) != 0) {
    ox_error ("GET %s: key \"%s\" is outside the prefix \"%s\"", l->what, key,
              l->full_prefix);
    errno = EIO;
    return -1;
  }
  if (key[plen] == '\0')
    return 0; /* a "folder" marker named like the store prefix */
  if (l->last && strcmp (key + plen, l->last) <= 0) {
    ox_error ("GET %s: keys out of order (\"%s\" after \"%s\")", l->what,
              key + plen, l->last);
    errno = EIO;
    return -1;
  }
  if (l->fn (l->opaque, key + plen, size) == -1)
    return -1;
  free (l->last);
  l->last = strdup (key + plen);
  if (l->last == NULL) {
    ox_error ("GET %s: %m", l->what);
    return -1;
  }
  return 0;
}

/* Fetch one page; sets *TOKEN to the next continuation token or NULL. */
static int
list_page (struct listing *l, char **token)
{
  struct ox_sigv4_param p[3] = { { "list-type", "2" },
                                 { "prefix", l->full_prefix },
                                 { "continuation-token", *token } };
  struct ox_s3_request req = { .method = "GET",
                               .params = p,
                               .nparams = *token ? 3 : 2,
                               .max_body = 64 * 1024 * 1024,
                               .what = l->what };
  struct ox_s3_response resp;
  CLEANUP_FREE char *truncated = NULL;
  const char *pos, *end, *in;
  size_t inlen;
  int r = -1, more;

  if (ox_s3_perform (l->s->client, &req, &resp) == -1)
    goto out;
  if (resp.status != 200) {
    ox_s3_report (&req, &resp);
    goto out;
  }
  pos = resp.body.data ? resp.body.data : "";
  end = pos + resp.body.len;
  while ((more = ox_s3xml_next (&pos, end, "Contents", &in, &inlen)) == 1)
    if (list_entry (l, in, inlen) == -1)
      goto out;
  free (*token);
  *token = NULL;
  if (more == -1
      || ox_s3xml_text (resp.body.data, resp.body.len, "IsTruncated",
                        &truncated)
             == -1)
    goto bad;
  if (truncated && strcmp (truncated, "true") == 0
      && (ox_s3xml_text (resp.body.data, resp.body.len,
                         "NextContinuationToken", token)
              != 1
          || **token == '\0'))
    goto bad;
  r = 0;
  goto out;

bad:
  ox_error ("GET %s: malformed answer", l->what);
  errno = EIO;
out:
  ox_s3_response_free (&resp);
  return r;
}

static int
s3_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
         void *opaque)
{
  struct s3_store *s = (struct s3_store *)st;
  struct listing l = { .s = s, .fn = fn, .opaque = opaque };
  char *token = NULL, *prev = NULL;
  int r = 0;

  if (asprintf (&l.full_prefix, "%s%s", s->cfg->prefix, prefix) == -1)
    l.full_prefix = NULL;
  if (asprintf (&l.what, "%s (listing of \"%s\")", st->url, prefix) == -1)
    l.what = NULL;
  if (l.full_prefix == NULL || l.what == NULL) {
    ox_error ("%s: %m", st->url);
    free (l.full_prefix);
    free (l.what);
    return -1;
  }
  do {
    free (prev);
    prev = token ? strdup (token) : NULL;
    if (list_page (&l, &token) == -1) {
      r = -1;
      break;
    }
    if (token && prev && strcmp (token, prev) == 0) {
      ox_error ("GET %s: the server repeats its continuation token", l.what);
      errno = EIO;
      r = -1;
      break;
    }
  } while (token);
  if (r == 0)
    atomic_store_explicit (&s->bucket_ok, 1, memory_order_relaxed);
  free (token);
  free (prev);
  free (l.last);
  free (l.full_prefix);
  free (l.what);
  return r;
}

static int
s3_del_many (struct ox_store *st, const char *const *keys, size_t n)
{
  struct s3_store *s = (struct s3_store *)st;

  return ox_s3_delete_objects (s->client, s->cfg->prefix, st->url, keys, n);
}

static void
s3_close (struct ox_store *st)
{
  struct s3_store *s = (struct s3_store *)st;
  struct ox_s3_stats stats;

  ox_s3_client_stats (s->client, &stats);
  ox_debug ("s3: %s: %llu requests (%llu retried), %llu bytes sent, %llu "
            "received",
            st->url, (unsigned long long)stats.requests,
            (unsigned long long)stats.retries,
            (unsigned long long)stats.bytes_sent,
            (unsigned long long)stats.bytes_received);
  ox_s3_client_free (s->client);
  free (st->url);
  free (s);
}

static const struct ox_store_ops s3_ops = {
  .scheme = "s3",
  .put = s3_put,
  .put_new = s3_put_new,
  .get_range = s3_get_range,
  .get = s3_get,
  .stat = s3_stat,
  .list = s3_list,
  .del = s3_del,
  .del_many = s3_del_many,
  .close = s3_close,
};

int
ox_s3_store_open (const char *bucket, const char *prefix,
                  const struct ox_store_options *opts, struct ox_store **out)
{
  struct ox_s3_config cfg;
  struct s3_store *s;
  size_t plen;

  if (ox_s3_config_load (bucket, prefix, opts, &cfg) == -1)
    return -1;
  s = calloc (1, sizeof *s);
  plen = strlen (cfg.prefix);
  if (s == NULL
      || asprintf (&s->base.url, "s3://%s%s%.*s", bucket, plen ? "/" : "",
                   (int)(plen ? plen - 1 : 0), cfg.prefix)
             == -1) {
    ox_error ("s3://%s: %m", bucket);
    free (s);
    ox_s3_config_free (&cfg);
    return -1;
  }
  if (cfg.bwlimit)
    ox_ratelimit_limit (ox_ratelimit_global (), cfg.bwlimit);
  s->client = ox_s3_client_new (&cfg);
  if (s->client == NULL) {
    ox_s3_config_free (&cfg);
    free (s->base.url);
    free (s);
    return -1;
  }
  s->cfg = ox_s3_client_config (s->client);
  s->base.ops = &s3_ops;
  if (opts && opts->create
      && ox_s3_bucket_ensure (s->client, s->cfg->prefix, s->base.url,
                              &s->created_bucket)
             == -1) {
    s3_close (&s->base);
    return -1;
  }
  *out = &s->base;
  return 0;
}

int
ox_s3_store_created_bucket (struct ox_store *st, const char **bucket,
                            const char **region)
{
  struct s3_store *s = (struct s3_store *)st;

  if (st->ops != &s3_ops || !s->created_bucket)
    return 0;
  *bucket = s->cfg->bucket;
  *region = s->cfg->region;
  return 1;
}

int
ox_s3_create_bucket (struct ox_store *st)
{
  struct s3_store *s = (struct s3_store *)st;
  int created;

  if (st->ops != &s3_ops) {
    errno = EINVAL;
    return -1;
  }
  return ox_s3_bucket_create (s->client, st->url, &created);
}

int
ox_s3_store_stats (struct ox_store *st, struct ox_s3_stats *stats)
{
  if (st->ops != &s3_ops) {
    errno = EINVAL;
    return -1;
  }
  ox_s3_client_stats (((struct s3_store *)st)->client, stats);
  return 0;
}
