/* ox: the configuration of an s3:// store, resolved the way the AWS tools
 * resolve it (options first, then the environment, then defaults).
 *
 * Endpoint: opts->endpoint, else AWS_ENDPOINT_URL_S3, else
 * AWS_ENDPOINT_URL, else https://s3.REGION.amazonaws.com.
 * Region: opts->region, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * us-east-1.
 * Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+
 * AWS_SESSION_TOKEN), else the profile AWS_PROFILE (default "default") of
 * the shared credentials file AWS_SHARED_CREDENTIALS_FILE (default
 * ~/.aws/credentials).
 * Addressing (opts->addressing 0): as the AWS CLI (botocore) chooses:
 * virtual-host style (BUCKET.HOST) for AWS endpoints when the bucket name
 * is a valid DNS label without dots, else path style (HOST/BUCKET); a
 * custom endpoint URL gets path style. 1 forces path style, 2 virtual-host.
 * TLS: certificates are verified unless opts->insecure; the CA bundle is
 * opts->ca_bundle, else AWS_CA_BUNDLE, else the system's.
 *
 * Tunables from the environment, for tests and unusual servers:
 * OX_S3_RETRIES (tries per request, default 6), OX_S3_RETRY_BASE_MS (200),
 * OX_S3_RETRY_CAP_MS (10000), OX_S3_CONNECT_TIMEOUT (seconds, 10),
 * OX_S3_STALL_TIMEOUT (seconds under 1 KiB/s before a transfer is
 * abandoned, 30; more for DeleteObjects and CompleteMultipartUpload, see
 * ox_s3_work_timeout), OX_S3_PART_SIZE (multipart part size, 16 MiB),
 * OX_S3_MULTIPART_THRESHOLD (objects above this size are uploaded in
 * parts, 64 MiB: the default 32 MiB segments go up in one PUT).
 */
#ifndef OX_S3CONF_H
#define OX_S3CONF_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define OX_S3_DEFAULT_CONNECTIONS 16

struct ox_s3_config {
  char *scheme; /* "http" or "https" */
  char *host;   /* endpoint host as in the URL ([v6] in brackets) */
  char *port;   /* NULL for the scheme's default */
  char *bucket;
  char *prefix; /* "" or the store prefix with a trailing '/' */
  int virtual_host;
  char *region;
  char *ca_bundle; /* NULL: the system's */
  int insecure;
  int connections;
  char *access_key, *secret_key, *session_token; /* never printed */
  int tries;
  long retry_base_ms, retry_cap_ms;
  long connect_timeout, stall_timeout; /* seconds */
  uint64_t part_size, multipart_threshold;
  uint64_t bwlimit;
};

/* Resolve the configuration of s3://BUCKET/PREFIX with OPTS (may be NULL).
 * Returns 0, or -1 with an error. */
int ox_s3_config_load (const char *bucket, const char *prefix,
                       const struct ox_store_options *opts,
                       struct ox_s3_config *cfg)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Items (keys of a DeleteObjects, parts of a CompleteMultipartUpload)
 * that earn a request one more stall timeout of silence. */
#define OX_S3_ITEMS_PER_STALL 250

/* The stall timeout, in seconds, of a request whose server-side work grows
 * with its N items: the server may say nothing until that work is done
 * (and a space every few seconds, which Swift and AWS send during a
 * completion, is no progress to curl), so it gets cfg->stall_timeout *
 * (2 + N / OX_S3_ITEMS_PER_STALL), rounded up: 1000 keys get 6 stall
 * timeouts, 180 s by default. */
long ox_s3_work_timeout (const struct ox_s3_config *cfg, size_t n)
    __attribute__ ((__nonnull__ (1)));

/* Free what the configuration holds (secrets are wiped first). */
void ox_s3_config_free (struct ox_s3_config *cfg)
    __attribute__ ((__nonnull__ (1)));

/* Split endpoint URL into scheme, host and port (NULL if none). Returns 0,
 * or -1 with an error. */
int ox_s3_parse_endpoint (const char *url, char **scheme, char **host,
                          char **port)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Read PROFILE from the shared credentials file PATH. Returns 1 with the
 * keys set (*TOKEN may be NULL), 0 if the file or profile does not exist,
 * or -1 with an error (unreadable file, profile without both keys). */
int ox_s3_read_credentials (const char *path, const char *profile,
                            char **access_key, char **secret_key, char **token)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5)));

#endif
