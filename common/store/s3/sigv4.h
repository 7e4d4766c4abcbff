/* ox: AWS Signature Version 4 (header authentication), as S3 checks it.
 *
 * The caller gives the request's parts unencoded; the signer encodes the
 * path and query exactly as the canonical request needs them, and the
 * transport must send the same encoded forms (ox_sigv4_encode_path and
 * ox_sigv4_query make them).
 */
#ifndef OX_SIGV4_H
#define OX_SIGV4_H

#include <stddef.h>

/* "YYYYMMDDTHHMMSSZ" + NUL */
#define OX_SIGV4_DATE_LEN 17
/* SHA-256 in hex + NUL */
#define OX_SIGV4_HEX_LEN 65

struct ox_sigv4_param {
  const char *name;  /* unencoded */
  const char *value; /* unencoded; NULL or "" for "name=" */
};

struct ox_sigv4_header {
  const char *name;  /* any case; sent as given */
  const char *value; /* leading/trailing spaces and runs of spaces are
                        folded in the canonical form */
};

struct ox_sigv4_request {
  const char *method; /* "GET", "PUT", ... */
  const char *path;   /* unencoded, beginning with '/' */
  const struct ox_sigv4_param *params;
  size_t nparams;
  const struct ox_sigv4_header *headers; /* all headers to sign, including
                                            Host and X-Amz-Date */
  size_t nheaders;
  const char *payload_hash; /* hex SHA-256 of the body, or UNSIGNED-PAYLOAD */
  const char *amz_date;     /* "YYYYMMDDTHHMMSSZ", the X-Amz-Date value */
  const char *region;
  const char *service; /* "s3" */
};

struct ox_sigv4_credentials {
  const char *access_key;
  const char *secret_key;
};

/* Percent-encode S as the canonical URI wants it: every byte but
 * A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase hex); '/' is kept when
 * KEEP_SLASH. Returns a malloc'd string or NULL (ENOMEM). */
char *ox_sigv4_encode (const char *s, int keep_slash)
    __attribute__ ((__nonnull__ (1)));

/* The canonical query string of PARAMS: names and values encoded, sorted by
 * encoded name then value, joined with '&'. Also the query to send.
 * Returns a malloc'd string ("" when NPARAMS is 0) or NULL (ENOMEM). */
char *ox_sigv4_query (const struct ox_sigv4_param *params, size_t nparams);

/* The canonical request of REQ (for tests and debugging). Returns a
 * malloc'd string or NULL. */
char *ox_sigv4_canonical_request (const struct ox_sigv4_request *req)
    __attribute__ ((__nonnull__ (1)));

/* The string to sign of REQ. Returns a malloc'd string or NULL. */
char *ox_sigv4_string_to_sign (const struct ox_sigv4_request *req)
    __attribute__ ((__nonnull__ (1)));

/* The value of the Authorization header for REQ signed with CREDS.
 * Returns a malloc'd string or NULL. */
char *ox_sigv4_authorization (const struct ox_sigv4_request *req,
                              const struct ox_sigv4_credentials *creds)
    __attribute__ ((__nonnull__ (1, 2)));

/* Hex SHA-256 of LEN bytes at DATA into HEX. */
void ox_sigv4_sha256_hex (const void *data, size_t len,
                          char hex[OX_SIGV4_HEX_LEN])
    __attribute__ ((__nonnull__ (3)));

/* Format time T (seconds since the epoch) as an X-Amz-Date value. */
void ox_sigv4_date (long long t, char out[OX_SIGV4_DATE_LEN])
    __attribute__ ((__nonnull__ (2)));

#endif
