/* ox: AWS Signature Version 4 (header authentication). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cleanup.h"
#include "s3buf.h"
#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static int
is_unreserved (unsigned char c)
{
  return isascii (c)
         && (isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~');
}

static void
encode_into (struct ox_s3buf *b, const char *s, int keep_slash)
{
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *p;
  char esc[3];

  for (p = (const unsigned char *)s; *p; p++) {
    if (is_unreserved (*p) || (keep_slash && *p == '/'))
      ox_s3buf_append (b, p, 1);
    else {
      esc[0] = '%';
      esc[1] = hex[*p >> 4];
      esc[2] = hex[*p & 15];
      ox_s3buf_append (b, esc, 3);
    }
  }
}

char *
ox_sigv4_encode (const char *s, int keep_slash)
{
  struct ox_s3buf b = OX_S3BUF_INIT;

  ox_s3buf_reserve (&b, strlen (s));
  encode_into (&b, s, keep_slash);
  return ox_s3buf_steal (&b);
}

struct enc_param {
  char *name, *value;
};

static int
compare_params (const void *a, const void *b)
{
  const struct enc_param *x = a, *y = b;
  int r = strcmp (x->name, y->name);
  return r ? r : strcmp (x->value, y->value);
}

char *
ox_sigv4_query (const struct ox_sigv4_param *params, size_t nparams)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  struct enc_param *enc;
  size_t i;
  int ok = 1;

  if (nparams == 0)
    return strdup ("");
  enc = calloc (nparams, sizeof *enc);
  if (enc == NULL)
    return NULL;
  for (i = 0; i < nparams; i++) {
    enc[i].name = ox_sigv4_encode (params[i].name, 0);
    enc[i].value = ox_sigv4_encode (params[i].value ? params[i].value : "", 0);
    if (enc[i].name == NULL || enc[i].value == NULL)
      ok = 0;
  }
  if (ok) {
    qsort (enc, nparams, sizeof *enc, compare_params);
    for (i = 0; i < nparams; i++)
      ox_s3buf_printf (&b, "%s%s=%s", i ? "&" : "", enc[i].name, enc[i].value);
  }
  for (i = 0; i < nparams; i++) {
    free (enc[i].name);
    free (enc[i].value);
  }
  free (enc);
  if (!ok) {
    ox_s3buf_free (&b);
    errno = ENOMEM;
    return NULL;
  }
  return ox_s3buf_steal (&b);
}

struct canon_header {
  char *name;        /* lowercase */
  const char *value; /* as given */
  size_t index;      /* original position, keeps duplicates in order */
};

static int
compare_headers (const void *a, const void *b)
{
  const struct canon_header *x = a, *y = b;
  int r = strcmp (x->name, y->name);
  if (r)
    return r;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Append VALUE without leading and trailing blanks, runs of blanks as one
 * space. */
static void
append_folded (struct ox_s3buf *b, const char *value)
{
  const char *p = value;
  int pending_space = 0;

  while (*p == ' ' || *p == '\t')
    p++;
  for (; *p; p++) {
    if (*p == ' ' || *p == '\t') {
      pending_space = 1;
      continue;
    }
    if (pending_space)
      ox_s3buf_append (b, " ", 1);
    pending_space = 0;
    ox_s3buf_append (b, p, 1);
  }
}

/* Sorted, lowercased copies of the request's headers, or NULL. */
static struct canon_header *
sorted_headers (const struct ox_sigv4_request *req)
{
  struct canon_header *h;
  size_t i;
  char *q;

  h = calloc (req->nheaders ? req->nheaders : 1, sizeof *h);
  if (h == NULL)
    return NULL;
  for (i = 0; i < req->nheaders; i++) {
    h[i].name = strdup (req->headers[i].name);
    h[i].value = req->headers[i].value;
    h[i].index = i;
    if (h[i].name == NULL) {
      while (i-- > 0)
        free (h[i].name);
      free (h);
      return NULL;
    }
    for (q = h[i].name; *q; q++)
      *q = tolower ((unsigned char)*q);
  }
  qsort (h, req->nheaders, sizeof *h, compare_headers);
  return h;
}

static void
free_headers (struct canon_header *h, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    free (h[i].name);
  free (h);
}

/* Append the canonical headers block and, to SIGNED, the signed-headers
 * list. */
static int
append_headers (struct ox_s3buf *b, struct ox_s3buf *signed_headers,
                const struct ox_sigv4_request *req)
{
  struct canon_header *h = sorted_headers (req);
  size_t i;

  if (h == NULL)
    return -1;
  for (i = 0; i < req->nheaders; i++) {
    if (i > 0 && strcmp (h[i].name, h[i - 1].name) == 0)
      ox_s3buf_append (b, ",", 1);
    else {
      if (i > 0) {
        ox_s3buf_append (b, "\n", 1);
        ox_s3buf_append (signed_headers, ";", 1);
      }
      ox_s3buf_printf (b, "%s:", h[i].name);
      ox_s3buf_puts (signed_headers, h[i].name);
    }
    append_folded (b, h[i].value);
  }
  ox_s3buf_append (b, "\n", 1);
  free_headers (h, req->nheaders);
  return 0;
}

/* The canonical request; also the signed-headers list into SIGNED. */
static char *
canonical_request (const struct ox_sigv4_request *req,
                   struct ox_s3buf *signed_headers)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  CLEANUP_FREE char *query = NULL;

  query = ox_sigv4_query (req->params, req->nparams);
  if (query == NULL)
    return NULL;
  ox_s3buf_printf (&b, "%s\n", req->method);
  encode_into (&b, req->path, 1);
  ox_s3buf_printf (&b, "\n%s\n", query);
  if (append_headers (&b, signed_headers, req) == -1) {
    ox_s3buf_free (&b);
    return NULL;
  }
  ox_s3buf_printf (&b, "\n%s\n%s",
                   signed_headers->data ? signed_headers->data : "",
                   req->payload_hash);
  if (!ox_s3buf_ok (signed_headers)) {
    ox_s3buf_free (&b);
    return NULL;
  }
  return ox_s3buf_steal (&b);
}

char *
ox_sigv4_canonical_request (const struct ox_sigv4_request *req)
{
  struct ox_s3buf signed_headers = OX_S3BUF_INIT;
  char *r = canonical_request (req, &signed_headers);

  ox_s3buf_free (&signed_headers);
  return r;
}

void
ox_sigv4_sha256_hex (const void *data, size_t len, char hex[OX_SIGV4_HEX_LEN])
{
  unsigned char md[32];
  unsigned int mdlen = 0;
  size_t i;

  EVP_Digest (len ? data : "", len, md, &mdlen, EVP_sha256 (), NULL);
  for (i = 0; i < 32; i++)
    snprintf (hex + 2 * i, 3, "%02x", md[i]);
}

void
ox_sigv4_date (long long t, char out[OX_SIGV4_DATE_LEN])
{
  time_t tt = (time_t)t;
  struct tm tm;

  gmtime_r (&tt, &tm);
  strftime (out, OX_SIGV4_DATE_LEN, "%Y%m%dT%H%M%SZ", &tm);
}

/* The credential scope: DATE/REGION/SERVICE/aws4_request. */
static int
scope (const struct ox_sigv4_request *req, struct ox_s3buf *b)
{
  if (strlen (req->amz_date) != OX_SIGV4_DATE_LEN - 1) {
    errno = EINVAL;
    return -1;
  }
  ox_s3buf_printf (b, "%.8s/%s/%s/aws4_request", req->amz_date, req->region,
                   req->service);
  return ox_s3buf_ok (b) ? 0 : -1;
}

static char *
string_to_sign (const struct ox_sigv4_request *req, const char *creq)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  char hash[OX_SIGV4_HEX_LEN];

  ox_sigv4_sha256_hex (creq, strlen (creq), hash);
  ox_s3buf_printf (&b, ALGORITHM "\n%s\n", req->amz_date);
  if (scope (req, &b) == -1) {
    ox_s3buf_free (&b);
    return NULL;
  }
  ox_s3buf_printf (&b, "\n%s", hash);
  return ox_s3buf_steal (&b);
}

char *
ox_sigv4_string_to_sign (const struct ox_sigv4_request *req)
{
  CLEANUP_FREE char *creq = ox_sigv4_canonical_request (req);

  if (creq == NULL)
    return NULL;
  return string_to_sign (req, creq);
}

static void
hmac (const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
  unsigned int len = 32;

  HMAC (EVP_sha256 (), key, (int)keylen, (const unsigned char *)msg,
        strlen (msg), out, &len);
}

/* The hex signature of STS. */
static int
signature (const struct ox_sigv4_request *req,
           const struct ox_sigv4_credentials *creds, const char *sts,
           char hex[OX_SIGV4_HEX_LEN])
{
  unsigned char k[32], sig[32];
  char date[9];
  char *secret;
  size_t n = strlen (creds->secret_key), i;

  secret = malloc (n + 5);
  if (secret == NULL)
    return -1;
  memcpy (secret, "AWS4", 4);
  memcpy (secret + 4, creds->secret_key, n + 1);
  memcpy (date, req->amz_date, 8);
  date[8] = '\0';
  hmac (secret, n + 4, date, k);
  OPENSSL_cleanse (secret, n + 4);
  free (secret);
  hmac (k, 32, req->region, k);
  hmac (k, 32, req->service, k);
  hmac (k, 32, "aws4_request", k);
  hmac (k, 32, sts, sig);
  OPENSSL_cleanse (k, sizeof k);
  for (i = 0; i < 32; i++)
    snprintf (hex + 2 * i, 3, "%02x", sig[i]);
  return 0;
}

char *
ox_sigv4_authorization (const struct ox_sigv4_request *req,
                        const struct ox_sigv4_credentials *creds)
{
  struct ox_s3buf signed_headers = OX_S3BUF_INIT, b = OX_S3BUF_INIT;
  CLEANUP_FREE char *creq = NULL;
  CLEANUP_FREE char *sts = NULL;
  char sig[OX_SIGV4_HEX_LEN];

  creq = canonical_request (req, &signed_headers);
  if (creq == NULL)
    goto fail;
  sts = string_to_sign (req, creq);
  if (sts == NULL || signature (req, creds, sts, sig) == -1)
    goto fail;
  ox_s3buf_printf (&b, ALGORITHM " Credential=%s/", creds->access_key);
  if (scope (req, &b) == -1)
    goto fail;
  ox_s3buf_printf (&b, ", SignedHeaders=%s, Signature=%s",
                   signed_headers.data ? signed_headers.data : "", sig);
  ox_s3buf_free (&signed_headers);
  return ox_s3buf_steal (&b);

fail:
  ox_s3buf_free (&signed_headers);
  ox_s3buf_free (&b);
  return NULL;
}
