/* ox: extras of the s3:// store beyond common/store.h, for tests and
 * benchmarks, and its opening (used by ox_store_open, storeopen.h).
 */
#ifndef OX_S3STORE_H
#define OX_S3STORE_H

#include <stddef.h>

#include "s3http.h"
#include "store.h"

/* Open an s3:// store for BUCKET and PREFIX (used by ox_store_open). */
int ox_s3_store_open (const char *bucket, const char *prefix,
                      const struct ox_store_options *opts,
                      struct ox_store **out)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Create the store's bucket in its region (tests; `oxsnap init` opens
 * with opts->create, which creates a missing bucket). An existing bucket
 * owned by the caller is fine. Returns 0 or -1 with an error. */
int ox_s3_create_bucket (struct ox_store *st)
    __attribute__ ((__nonnull__ (1)));

/* Whether opening ST (with opts->create) created its bucket: returns 1
 * and sets *BUCKET and *REGION (valid while ST is open), else 0 (also for
 * stores other than s3://). */
int ox_s3_store_created_bucket (struct ox_store *st, const char **bucket,
                                const char **region)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Requests made and bytes moved by an s3:// store since it was opened.
 * Returns 0, or -1 (EINVAL) if ST is not an s3:// store. */
int ox_s3_store_stats (struct ox_store *st, struct ox_s3_stats *stats)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
