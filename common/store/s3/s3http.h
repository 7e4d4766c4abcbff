/* ox: the S3 HTTP client: a pool of libcurl handles (connections are kept
 * and reused), SigV4 on every attempt, timeouts with stall detection, and
 * retries with capped exponential backoff and full jitter.
 *
 * Safe to use from many threads; at most cfg->connections requests are in
 * flight at once (callers beyond that wait for a free handle).
 *
 * Dependency direction: s3http calls s3error (hints, transient codes,
 * ox_s3_report); s3error uses only the request and response types declared
 * here and never calls into the client.
 */
#ifndef OX_S3HTTP_H
#define OX_S3HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "s3buf.h"
#include "s3conf.h"
#include "sigv4.h"

struct ox_s3_client;

struct ox_s3_stats {
  uint64_t requests;       /* attempts sent, retries included */
  uint64_t retries;        /* attempts that were repeated */
  uint64_t bytes_sent;     /* request bodies */
  uint64_t bytes_received; /* response bodies */
};

struct ox_s3_request {
  const char *method; /* GET, PUT, HEAD, DELETE, POST */
  const char *key;    /* object key in the bucket; NULL: the bucket */
  const struct ox_sigv4_param *params;
  size_t nparams;
  const void *body; /* PUT and POST */
  size_t body_len;
  const char *body_sha256; /* hex SHA-256 of body if known, else NULL */
  int content_md5;         /* send Content-MD5 of the body */
  int if_none_match;       /* send "If-None-Match: *" (create-only PUT) */
  int range; /* send Range for [range_off, range_off+range_len) */
  uint64_t range_off;
  size_t range_len;
  void *dest; /* a 2xx body goes here, at most dest_len bytes */
  size_t dest_len;
  size_t max_body;    /* else into the response buffer; 0 = no limit */
  int error_in_body;  /* a 200 answer may be an <Error> (multipart
                         completion) */
  long stall_timeout; /* seconds without progress before an attempt is
                         abandoned; 0 = the configured stall timeout */
  int stall_final;    /* a stalled attempt is not retried nor reported:
                         ox_s3_perform returns -1 with errno ETIMEDOUT and
                         resp->timed_out set (the caller adapts) */
  int quiet_final;    /* a transient failure on the last try is not
                         reported: ox_s3_perform returns 0 with RESP
                         holding the answer (the caller reports it) */
  const char *what;   /* the object as messages name it */
};

struct ox_s3_response {
  long status;          /* HTTP status, 0 if none was received */
  struct ox_s3buf body; /* body when not in dest (or of an error answer) */
  size_t received;      /* bytes written to dest */
  int overflow;         /* the server sent more than dest_len */
  int has_length;
  uint64_t content_length;
  char etag[128];
  char content_range[128];
  char bucket_region[64];
  char *code;    /* S3 error code, or NULL */
  char *message; /* S3 error message, or NULL */
  int tries;     /* attempts made */
  int timed_out; /* the last attempt stalled (see stall_final) */
};

/* A new client; it takes over what CFG holds (CFG is left zeroed).
 * Returns NULL with an error. */
struct ox_s3_client *ox_s3_client_new (struct ox_s3_config *cfg)
    __attribute__ ((__nonnull__ (1)));

/* Close all connections and free the client (NULL is fine). */
void ox_s3_client_free (struct ox_s3_client *c);

/* The client's configuration. */
const struct ox_s3_config *ox_s3_client_config (struct ox_s3_client *c)
    __attribute__ ((__nonnull__ (1)));

/* Counters since the client was made. */
void ox_s3_client_stats (struct ox_s3_client *c, struct ox_s3_stats *st)
    __attribute__ ((__nonnull__ (1, 2)));

/* Send REQ, retrying transient failures (connection errors, timeouts,
 * short bodies, 5xx, 429, SlowDown, RequestTimeout) up to cfg->tries
 * times (a stall ends at once if REQ->stall_final). Returns 0 once a final
 * HTTP answer arrived, whatever its status (RESP tells; an S3 error's Code and
 * Message are parsed), or -1 with an error reported and errno set (EIO) when
 * no usable answer came. Free RESP with ox_s3_response_free in either case. */
int ox_s3_perform (struct ox_s3_client *c, const struct ox_s3_request *req,
                   struct ox_s3_response *resp)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* What a request sends on every attempt, computed once by ox_s3_prepare. */
struct ox_s3_prepared {
  char *path; /* unencoded, as signed: "/bucket/key" (path style) or "/key" */
  char *url;  /* as sent: base URL, encoded path, "?" and the sorted query */
  char payload_hash[OX_SIGV4_HEX_LEN]; /* hex SHA-256 of the body */
  char md5[32];   /* base64 MD5 of the body if content_md5, else "" */
  char range[64]; /* "bytes=FIRST-LAST" if range, else "" */
};

/* Compute the path, URL, digests and range of REQ to client C into P
 * (no network). Returns 0, or -1 (ENOMEM, not reported); free P with
 * ox_s3_prepared_free either way. */
int ox_s3_prepare (struct ox_s3_client *c, const struct ox_s3_request *req,
                   struct ox_s3_prepared *p)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Free what P holds. */
void ox_s3_prepared_free (struct ox_s3_prepared *p)
    __attribute__ ((__nonnull__ (1)));

/* The headers REQ (prepared as P) is sent with when signed at AMZ_DATE
 * ("YYYYMMDDTHHMMSSZ"), one "Name: value\n" line each in the order sent
 * (an empty value removes curl's own header). Returns a malloc'd string
 * or NULL (ENOMEM). */
char *
ox_s3_request_headers (struct ox_s3_client *c, const struct ox_s3_request *req,
                       const struct ox_s3_prepared *p, const char *amz_date)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* If header line LINE (N bytes as received, not NUL-terminated) is header
 * NAME (case-insensitive), store its value without surrounding blanks and
 * line end in OUT (OUTLEN >= 1 bytes, truncated to fit, NUL-terminated)
 * and return 1; else return 0 and leave OUT alone. */
int ox_s3_header_value (const char *line, size_t n, const char *name,
                        char *out, size_t outlen)
    __attribute__ ((__nonnull__ (1, 3, 4)));

/* Free what RESP holds. */
void ox_s3_response_free (struct ox_s3_response *resp)
    __attribute__ ((__nonnull__ (1)));

#endif
