/* ox: the S3 HTTP client: handle pool, signing, one attempt, retries. */
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "cleanup.h"
#include "log.h"
#include "ratelimit.h"
#include "s3error.h"
#include "s3http.h"
#include "s3xml.h"

#define MAX_ERROR_BODY (64 * 1024)
#define SMALL_BODY (1024 * 1024)  /* no "Expect: 100-continue" below this */
#define RECV_BUFFER (256L * 1024) /* curl's buffers, per handle */
#define SEND_BUFFER (512L * 1024)
#define PARALLEL_DIGESTS (4 * 1024 * 1024) /* SHA-256 and MD5 at once */

struct ox_s3_client {
  struct ox_s3_config cfg;
  char *base_url;    /* scheme://[bucket.]host[:port] */
  char *host_header; /* [bucket.]host[:port], as signed */
  char *path_prefix; /* "/bucket" (path style) or "" */
  long low_speed_limit;

  CURLSH *share;
  pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

  pthread_mutex_t lock; /* protects the pool */
  pthread_cond_t cond;
  CURL **idle;
  size_t nidle, nhandles;

  struct {
    _Atomic uint64_t requests, retries, bytes_sent, bytes_received;
  } stats; /* atomic fields: the counters of struct ox_s3_stats */
};

/* One attempt of a request: what the callbacks need. */
struct attempt {
  const struct ox_s3_request *req;
  struct ox_s3_response *resp;
  CURL *curl;
  size_t sent; /* bytes of the body handed to curl */
  struct ox_s3_client *c;
  int too_big; /* the collected body passed max_body */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_result;

static void
init_curl (void)
{
  curl_init_result = curl_global_init (CURL_GLOBAL_DEFAULT);
}

static void
share_lock (CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
  struct ox_s3_client *c = ud;
  pthread_mutex_lock (&c->share_locks[data]);
}

static void
share_unlock (CURL *h, curl_lock_data data, void *ud)
{
  struct ox_s3_client *c = ud;
  pthread_mutex_unlock (&c->share_locks[data]);
}

static int
make_share (struct ox_s3_client *c)
{
  int i;

  for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init (&c->share_locks[i], NULL);
  c->share = curl_share_init ();
  if (c->share == NULL)
    return -1;
  curl_share_setopt (c->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt (c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt (c->share, CURLSHOPT_USERDATA, c);
  curl_share_setopt (c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt (c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return 0;
}

/* Base URL, Host header and path prefix from the configuration. */
static int
make_addresses (struct ox_s3_client *c)
{
  const struct ox_s3_config *cfg = &c->cfg;
  const char *colon = cfg->port ? ":" : "", *port = cfg->port ? cfg->port : "";
  int r;

  if (cfg->virtual_host)
    r = asprintf (&c->host_header, "%s.%s%s%s", cfg->bucket, cfg->host, colon,
                  port);
  else
    r = asprintf (&c->host_header, "%s%s%s", cfg->host, colon, port);
  if (r == -1) {
    c->host_header = NULL;
    return -1;
  }
  if (asprintf (&c->base_url, "%s://%s", cfg->scheme, c->host_header) == -1) {
    c->base_url = NULL;
    return -1;
  }
  if (cfg->virtual_host)
    c->path_prefix = strdup ("");
  else if (asprintf (&c->path_prefix, "/%s", cfg->bucket) == -1)
    c->path_prefix = NULL;
  return c->path_prefix ? 0 : -1;
}

struct ox_s3_client *
ox_s3_client_new (struct ox_s3_config *cfg)
{
  struct ox_s3_client *c;
  uint64_t per_conn;

  pthread_once (&curl_once, init_curl);
  if (curl_init_result != CURLE_OK) {
    ox_error ("s3://%s: cannot initialise libcurl", cfg->bucket);
    return NULL;
  }
  c = calloc (1, sizeof *c);
  if (c == NULL) {
    ox_error ("s3://%s: %m", cfg->bucket);
    return NULL;
  }
  c->cfg = *cfg;
  memset (cfg, 0, sizeof *cfg);
  pthread_mutex_init (&c->lock, NULL);
  pthread_cond_init (&c->cond, NULL);
  c->idle = calloc (c->cfg.connections, sizeof *c->idle);
  if (c->idle == NULL || make_share (c) == -1 || make_addresses (c) == -1) {
    ox_error ("s3://%s: %m", c->cfg.bucket);
    ox_s3_client_free (c);
    return NULL;
  }
  /* Stall detection: under 1 KiB/s for stall_timeout seconds, unless the
   * bandwidth limit makes each connection slower than that by design. */
  c->low_speed_limit = 1024;
  if (c->cfg.bwlimit) {
    per_conn = c->cfg.bwlimit / (2 * (uint64_t)c->cfg.connections);
    if (per_conn < (uint64_t)c->low_speed_limit)
      c->low_speed_limit = per_conn ? (long)per_conn : 1;
  }
  if (c->cfg.insecure)
    ox_warning ("WARNING: TLS certificate verification is OFF for %s: "
                "anyone on the network path can read and change the data",
                c->base_url);
  return c;
}

void
ox_s3_client_free (struct ox_s3_client *c)
{
  size_t i;
  int j;

  if (c == NULL)
    return;
  for (i = 0; i < c->nidle; i++)
    curl_easy_cleanup (c->idle[i]);
  free (c->idle);
  if (c->share)
    curl_share_cleanup (c->share);
  for (j = 0; j < CURL_LOCK_DATA_LAST; j++)
    pthread_mutex_destroy (&c->share_locks[j]);
  pthread_mutex_destroy (&c->lock);
  pthread_cond_destroy (&c->cond);
  free (c->base_url);
  free (c->host_header);
  free (c->path_prefix);
  ox_s3_config_free (&c->cfg);
  free (c);
}

const struct ox_s3_config *
ox_s3_client_config (struct ox_s3_client *c)
{
  return &c->cfg;
}

void
ox_s3_client_stats (struct ox_s3_client *c, struct ox_s3_stats *st)
{
  st->requests
      = atomic_load_explicit (&c->stats.requests, memory_order_relaxed);
  st->retries = atomic_load_explicit (&c->stats.retries, memory_order_relaxed);
  st->bytes_sent
      = atomic_load_explicit (&c->stats.bytes_sent, memory_order_relaxed);
  st->bytes_received
      = atomic_load_explicit (&c->stats.bytes_received, memory_order_relaxed);
}

/* Take a handle from the pool, waiting while all are busy. */
static CURL *
acquire (struct ox_s3_client *c)
{
  CURL *h = NULL;

  pthread_mutex_lock (&c->lock);
  while (c->nidle == 0 && c->nhandles >= (size_t)c->cfg.connections)
    pthread_cond_wait (&c->cond, &c->lock);
  if (c->nidle > 0)
    h = c->idle[--c->nidle];
  else {
    h = curl_easy_init ();
    if (h)
      c->nhandles++;
  }
  pthread_mutex_unlock (&c->lock);
  return h;
}

static void
release (struct ox_s3_client *c, CURL *h)
{
  pthread_mutex_lock (&c->lock);
  c->idle[c->nidle++] = h;
  pthread_cond_signal (&c->cond);
  pthread_mutex_unlock (&c->lock);
}

int
ox_s3_header_value (const char *line, size_t n, const char *name, char *out,
                    size_t outlen)
{
  size_t m = strlen (name), len;
  const char *v;

  if (n <= m || strncasecmp (line, name, m) != 0 || line[m] != ':')
    return 0;
  v = line + m + 1;
  len = n - m - 1;
  while (len && (*v == ' ' || *v == '\t')) {
    v++;
    len--;
  }
  while (len
         && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
    len--;
  if (len >= outlen)
    len = outlen - 1;
  memcpy (out, v, len);
  out[len] = '\0';
  return 1;
}

static size_t
header_cb (char *line, size_t size, size_t nmemb, void *ud)
{
  struct attempt *a = ud;
  struct ox_s3_response *r = a->resp;
  size_t n = size * nmemb;
  char len[32] = "";

  if (n >= 5 && strncmp (line, "HTTP/", 5) == 0) {
    /* A new header block (after a 100 Continue): forget the last. */
    r->has_length = 0;
    r->etag[0] = r->content_range[0] = r->bucket_region[0] = '\0';
    return n;
  }
  ox_s3_header_value (line, n, "etag", r->etag, sizeof r->etag);
  ox_s3_header_value (line, n, "content-range", r->content_range,
                      sizeof r->content_range);
  ox_s3_header_value (line, n, "x-amz-bucket-region", r->bucket_region,
                      sizeof r->bucket_region);
  ox_s3_header_value (line, n, "content-length", len, sizeof len);
  if (len[0] && ox_s3xml_u64 (len, &r->content_length) == 0)
    r->has_length = 1;
  return n;
}

static size_t
write_cb (char *data, size_t size, size_t nmemb, void *ud)
{
  struct attempt *a = ud;
  struct ox_s3_response *r = a->resp;
  const struct ox_s3_request *req = a->req;
  size_t n = size * nmemb;
  long status = 0;

  curl_easy_getinfo (a->curl, CURLINFO_RESPONSE_CODE, &status);
  atomic_fetch_add_explicit (&a->c->stats.bytes_received, n,
                             memory_order_relaxed);
  ox_ratelimit_take (ox_ratelimit_global (), n);
  if (status >= 200 && status < 300 && req->dest) {
    if (n > req->dest_len - r->received) {
      r->overflow = 1;
      return 0;
    }
    memcpy ((char *)req->dest + r->received, data, n);
    r->received += n;
    return n;
  }
  if (status >= 300 || status < 200) {
    /* Keep the start of an error body; drop the rest. */
    if (r->body.len < MAX_ERROR_BODY)
      ox_s3buf_append (
          &r->body, data,
          n < MAX_ERROR_BODY - r->body.len ? n : MAX_ERROR_BODY - r->body.len);
    return n;
  }
  if (req->max_body && n > req->max_body - r->body.len) {
    a->too_big = 1;
    return 0;
  }
  if (r->body.cap == 0 && r->has_length && r->content_length < SIZE_MAX / 2
      && (!req->max_body || r->content_length <= req->max_body))
    ox_s3buf_reserve (&r->body, r->content_length);
  if (ox_s3buf_append (&r->body, data, n) == -1)
    return 0;
  return n;
}

static size_t
read_cb (char *buf, size_t size, size_t nmemb, void *ud)
{
  struct attempt *a = ud;
  size_t n = size * nmemb, left = a->req->body_len - a->sent;

  if (n > left)
    n = left;
  ox_ratelimit_take (ox_ratelimit_global (), n);
  memcpy (buf, (const char *)a->req->body + a->sent, n);
  a->sent += n;
  atomic_fetch_add_explicit (&a->c->stats.bytes_sent, n, memory_order_relaxed);
  return n;
}

/* Base64 of the MD5 of the body into OUT (at least 25 bytes). */
static void
content_md5 (const struct ox_s3_request *req, char out[32])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;

  EVP_Digest (req->body_len ? req->body : "", req->body_len, md, &n,
              EVP_md5 (), NULL);
  EVP_EncodeBlock ((unsigned char *)out, md, (int)n);
}

struct md5_job {
  const struct ox_s3_request *req;
  char *out;
};

static void *
md5_thread (void *arg)
{
  struct md5_job *j = arg;

  content_md5 (j->req, j->out);
  return NULL;
}

/* The payload hash and, if asked, the Content-MD5 of the body; for large
 * bodies the two digests are computed on two cores at once. */
static void
body_digests (const struct ox_s3_request *req, char *sha256, char *md5)
{
  struct md5_job job = { req, md5 };
  pthread_t t;
  int threaded;

  threaded = req->content_md5 && !req->body_sha256
             && req->body_len >= PARALLEL_DIGESTS
             && pthread_create (&t, NULL, md5_thread, &job) == 0;
  if (req->body_sha256)
    snprintf (sha256, OX_SIGV4_HEX_LEN, "%s", req->body_sha256);
  else
    ox_sigv4_sha256_hex (req->body, req->body_len, sha256);
  if (threaded)
    pthread_join (t, NULL);
  else if (req->content_md5)
    content_md5 (req, md5);
}

int
ox_s3_prepare (struct ox_s3_client *c, const struct ox_s3_request *req,
               struct ox_s3_prepared *p)
{
  CLEANUP_FREE char *epath = NULL;
  CLEANUP_FREE char *query = NULL;

  memset (p, 0, sizeof *p);
  if (asprintf (&p->path, "%s/%s", c->path_prefix, req->key ? req->key : "")
      == -1) {
    p->path = NULL;
    return -1;
  }
  if (!c->cfg.virtual_host && req->key == NULL)
    p->path[strlen (p->path) - 1] = '\0'; /* "/bucket", not "/bucket/" */
  epath = ox_sigv4_encode (p->path, 1);
  query = ox_sigv4_query (req->params, req->nparams);
  if (epath == NULL || query == NULL
      || asprintf (&p->url, "%s%s%s%s", c->base_url, epath, *query ? "?" : "",
                   query)
             == -1) {
    p->url = NULL;
    return -1;
  }
  body_digests (req, p->payload_hash, p->md5);
  if (req->range)
    snprintf (p->range, sizeof p->range, "bytes=%llu-%llu",
              (unsigned long long)req->range_off,
              (unsigned long long)(req->range_off + req->range_len - 1));
  return 0;
}

void
ox_s3_prepared_free (struct ox_s3_prepared *p)
{
  free (p->path);
  free (p->url);
  p->path = p->url = NULL;
}

char *
ox_s3_request_headers (struct ox_s3_client *c, const struct ox_s3_request *req,
                       const struct ox_s3_prepared *p, const char *amz_date)
{
  struct ox_sigv4_header h[7];
  struct ox_sigv4_credentials creds = { c->cfg.access_key, c->cfg.secret_key };
  CLEANUP_FREE char *authz = NULL;
  struct ox_s3buf b = OX_S3BUF_INIT;
  size_t n = 0, i;
  struct ox_sigv4_request sr = {
    .method = req->method,
    .path = p->path,
    .params = req->params,
    .nparams = req->nparams,
    .headers = h,
    .payload_hash = p->payload_hash,
    .amz_date = amz_date,
    .region = c->cfg.region,
    .service = "s3",
  };

  h[n++] = (struct ox_sigv4_header){ "Host", c->host_header };
  h[n++] = (struct ox_sigv4_header){ "x-amz-content-sha256", p->payload_hash };
  h[n++] = (struct ox_sigv4_header){ "x-amz-date", amz_date };
  if (c->cfg.session_token)
    h[n++] = (struct ox_sigv4_header){ "x-amz-security-token",
                                       c->cfg.session_token };
  if (req->content_md5)
    h[n++] = (struct ox_sigv4_header){ "Content-MD5", p->md5 };
  if (req->range)
    h[n++] = (struct ox_sigv4_header){ "Range", p->range };
  if (req->if_none_match)
    h[n++] = (struct ox_sigv4_header){ "If-None-Match", "*" };
  sr.nheaders = n;
  authz = ox_sigv4_authorization (&sr, &creds);
  if (authz == NULL)
    return NULL;
  for (i = 0; i < n; i++)
    ox_s3buf_printf (&b, "%s: %s\n", h[i].name, h[i].value);
  ox_s3buf_printf (&b, "Authorization: %s\n", authz);
  /* Empty values remove curl's own headers: no 100-continue round trip
   * for small bodies, no form Content-Type on POST (it is not signed). */
  if (req->body_len < SMALL_BODY)
    ox_s3buf_puts (&b, "Expect:\n");
  if (strcmp (req->method, "POST") == 0)
    ox_s3buf_puts (&b, "Content-Type:\n");
  return ox_s3buf_steal (&b);
}

/* Sign with a fresh date; build the header list. Returns NULL on ENOMEM. */
static struct curl_slist *
sign (struct ox_s3_client *c, const struct ox_s3_request *req,
      const struct ox_s3_prepared *p)
{
  char date[OX_SIGV4_DATE_LEN], *line, *nl;
  CLEANUP_FREE char *lines = NULL;
  struct curl_slist *list = NULL, *l;

  ox_sigv4_date (time (NULL), date);
  lines = ox_s3_request_headers (c, req, p, date);
  if (lines == NULL)
    return NULL;
  for (line = lines; *line; line = nl + 1) {
    nl = strchr (line, '\n');
    *nl = '\0';
    l = curl_slist_append (list, line);
    if (l == NULL) {
      curl_slist_free_all (list);
      return NULL;
    }
    list = l;
  }
  return list;
}

static int
seek_cb (void *ud, curl_off_t offset, int origin)
{
  struct attempt *a = ud;

  if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > a->req->body_len)
    return CURL_SEEKFUNC_FAIL;
  a->sent = offset;
  return CURL_SEEKFUNC_OK;
}

static void
set_method (CURL *h, const struct ox_s3_request *req, struct attempt *a)
{
  if (strcmp (req->method, "HEAD") == 0)
    curl_easy_setopt (h, CURLOPT_NOBODY, 1L);
  else if (strcmp (req->method, "PUT") == 0) {
    curl_easy_setopt (h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt (h, CURLOPT_READDATA, a);
    curl_easy_setopt (h, CURLOPT_SEEKFUNCTION, seek_cb);
    curl_easy_setopt (h, CURLOPT_SEEKDATA, a);
    curl_easy_setopt (h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
  } else if (strcmp (req->method, "POST") == 0) {
    curl_easy_setopt (h, CURLOPT_POST, 1L);
    curl_easy_setopt (h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
    curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE_LARGE,
                      (curl_off_t)req->body_len);
    atomic_fetch_add_explicit (&a->c->stats.bytes_sent, req->body_len,
                               memory_order_relaxed);
  } else if (strcmp (req->method, "GET") != 0)
    curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, req->method);
}

static void
set_options (struct ox_s3_client *c, CURL *h, const char *url,
             struct curl_slist *headers, struct attempt *a, char *errbuf)
{
  curl_easy_reset (h);
  curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (h, CURLOPT_SHARE, c->share);
  curl_easy_setopt (h, CURLOPT_URL, url);
  curl_easy_setopt (h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (h, CURLOPT_HEADERDATA, a);
  curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (h, CURLOPT_WRITEDATA, a);
  curl_easy_setopt (h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (h, CURLOPT_CONNECTTIMEOUT, c->cfg.connect_timeout);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_LIMIT, c->low_speed_limit);
  curl_easy_setopt (h, CURLOPT_LOW_SPEED_TIME,
                    a->req->stall_timeout > 0 ? a->req->stall_timeout
                                              : c->cfg.stall_timeout);
  curl_easy_setopt (h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt (h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt (h, CURLOPT_BUFFERSIZE, RECV_BUFFER);
  curl_easy_setopt (h, CURLOPT_UPLOAD_BUFFERSIZE, SEND_BUFFER);
  if (c->cfg.ca_bundle)
    curl_easy_setopt (h, CURLOPT_CAINFO, c->cfg.ca_bundle);
  if (c->cfg.insecure) {
    curl_easy_setopt (h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt (h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  set_method (h, a->req, a);
}

static void
clear_response (struct ox_s3_response *r)
{
  int tries = r->tries;

  ox_s3buf_free (&r->body);
  free (r->code);
  free (r->message);
  memset (r, 0, sizeof *r);
  r->tries = tries;
}

void
ox_s3_response_free (struct ox_s3_response *r)
{
  clear_response (r);
}

/* Parse Code and Message of an S3 error body. */
static void
parse_error (struct ox_s3_response *r)
{
  if (r->body.len == 0 || !memmem (r->body.data, r->body.len, "<Error", 6))
    return;
  if (ox_s3xml_text (r->body.data, r->body.len, "Code", &r->code) != 1)
    r->code = NULL;
  if (ox_s3xml_text (r->body.data, r->body.len, "Message", &r->message) != 1)
    r->message = NULL;
}

enum outcome { DONE, RETRY, FAIL };

/* Curl errors worth another attempt. */
static int
curl_transient (CURLcode res)
{
  switch (res) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return 1;
  default:
    return 0;
  }
}

static const char *
curl_hint (CURLcode res, const struct ox_s3_client *c)
{
  switch (res) {
  case CURLE_PEER_FAILED_VERIFICATION:
    return "; the server's certificate is not trusted: pass --ca-bundle "
           "FILE or set AWS_CA_BUNDLE";
  case CURLE_COULDNT_RESOLVE_HOST:
    return c->cfg.virtual_host
               ? "; check the endpoint: virtual-host addressing needs DNS for "
                 "BUCKET.HOST"
               : "; check the endpoint";
  case CURLE_COULDNT_CONNECT:
    return "; check the endpoint URL and that the server is running";
  case CURLE_OPERATION_TIMEDOUT:
    return "; the server stopped answering";
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_GOT_NOTHING:
    return "; check the endpoint URL, http:// or https://";
  default:
    return "";
  }
}

/* Classify the result of one attempt; report final failures. */
static enum outcome
classify (struct ox_s3_client *c, const struct ox_s3_request *req,
          struct ox_s3_response *r, CURLcode res, const char *errbuf, int last,
          int too_big)
{
  if (res == CURLE_OPERATION_TIMEDOUT && req->stall_final) {
    r->timed_out = 1;
    errno = ETIMEDOUT;
    return FAIL;
  }
  if (res != CURLE_OK && !r->overflow && !too_big) {
    if (curl_transient (res) && !last)
      return RETRY;
    ox_error ("%s %s: %s (%d %s%s)", req->method, req->what,
              errbuf[0] ? errbuf : curl_easy_strerror (res), r->tries,
              r->tries == 1 ? "try" : "tries", curl_hint (res, c));
    errno = EIO;
    return FAIL;
  }
  if (r->overflow) {
    ox_error ("%s %s: the server sent more than the %zu bytes asked for",
              req->method, req->what, req->dest_len);
    errno = EIO;
    return FAIL;
  }
  if (too_big) {
    ox_error ("%s %s: the answer is larger than %zu bytes", req->method,
              req->what, req->max_body);
    errno = EFBIG;
    return FAIL;
  }
  if (r->status >= 300 || (req->error_in_body && r->status == 200))
    parse_error (r);
  if (r->status >= 200 && r->status < 300 && !r->code)
    return DONE;
  if (ox_s3_error_is_transient (r->code, r->status)
      || (r->status == 200 && r->code)) {
    if (!last)
      return RETRY;
    if (req->quiet_final)
      return DONE;
    ox_s3_report (req, r);
    return FAIL;
  }
  return DONE; /* a final answer the caller judges */
}

/* Sleep before attempt ATTEMPT+1: full jitter over a capped exponential. */
static void
backoff (const struct ox_s3_config *cfg, int attempt)
{
  static __thread unsigned int seed;
  double ceiling = cfg->retry_base_ms;
  struct timespec ts;
  long ms;
  int i;

  if (seed == 0)
    seed = (unsigned int)time (NULL) ^ (unsigned int)(uintptr_t)&seed;
  for (i = 1; i < attempt && ceiling < cfg->retry_cap_ms; i++)
    ceiling *= 2;
  if (ceiling > cfg->retry_cap_ms)
    ceiling = cfg->retry_cap_ms;
  ms = (long)(ceiling * (rand_r (&seed) / (RAND_MAX + 1.0)));
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
    ;
}

/* One attempt. */
static CURLcode
attempt_once (struct ox_s3_client *c, CURL *h, const struct ox_s3_prepared *p,
              struct attempt *a, char *errbuf)
{
  struct curl_slist *headers;
  CURLcode res;

  errbuf[0] = '\0';
  headers = sign (c, a->req, p);
  if (headers == NULL)
    return CURLE_OUT_OF_MEMORY;
  set_options (c, h, p->url, headers, a, errbuf);
  atomic_fetch_add_explicit (&c->stats.requests, 1, memory_order_relaxed);
  res = curl_easy_perform (h);
  curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &a->resp->status);
  curl_easy_setopt (h, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (headers);
  return res;
}

int
ox_s3_perform (struct ox_s3_client *c, const struct ox_s3_request *req,
               struct ox_s3_response *resp)
{
  struct ox_s3_prepared p;
  struct attempt a = { .req = req, .resp = resp, .c = c };
  char errbuf[CURL_ERROR_SIZE];
  enum outcome o = FAIL;
  CURLcode res;
  int saved;

  memset (resp, 0, sizeof *resp);
  if (ox_s3_prepare (c, req, &p) == -1) {
    ox_error ("%s %s: %m", req->method, req->what);
    ox_s3_prepared_free (&p);
    return -1;
  }
  a.curl = acquire (c);
  if (a.curl == NULL) {
    ox_error ("%s %s: cannot make a curl handle", req->method, req->what);
    ox_s3_prepared_free (&p);
    errno = ENOMEM;
    return -1;
  }
  for (;;) {
    clear_response (resp);
    resp->tries++;
    a.sent = 0;
    a.too_big = 0;
    res = attempt_once (c, a.curl, &p, &a, errbuf);
    o = classify (c, req, resp, res, errbuf, resp->tries >= c->cfg.tries,
                  a.too_big);
    ox_debug ("s3: %s %s -> %ld (curl %d, try %d)", req->method, req->what,
              resp->status, (int)res, resp->tries);
    if (o != RETRY)
      break;
    atomic_fetch_add_explicit (&c->stats.retries, 1, memory_order_relaxed);
    backoff (&c->cfg, resp->tries);
  }
  saved = errno;
  release (c, a.curl);
  ox_s3_prepared_free (&p);
  errno = saved;
  return o == DONE ? 0 : -1;
}
