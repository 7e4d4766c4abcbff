/* ox: S3 DeleteObjects: many keys deleted per request, in batches that
 * adapt to the server's speed. */
#ifndef OX_S3DELETE_H
#define OX_S3DELETE_H

#include <stddef.h>

#include "s3http.h"

/* Keys per DeleteObjects request at most (the S3 maximum). */
#define OX_S3_DELETE_BATCH 1000

/* Keys per request at least, however slow the server. */
#define OX_S3_DELETE_MIN_BATCH 16

/* Quick successes in a row (each in under half its timeout) before the
 * batch doubles again. */
#define OX_S3_DELETE_GROW_AFTER 4

/* The batch size of a run of deletes: halved after a timeout, doubled
 * after OX_S3_DELETE_GROW_AFTER quick successes, always within
 * [OX_S3_DELETE_MIN_BATCH, OX_S3_DELETE_BATCH]. */
struct ox_s3_batch {
  size_t size;       /* keys in the next request */
  unsigned quick;    /* quick successes in a row at this size */
  unsigned timeouts; /* timeouts in a row */
};

/* Start at the largest batch. */
void ox_s3_batch_init (struct ox_s3_batch *b) __attribute__ ((__nonnull__));

/* Record a request of SENT keys that timed out. Returns 0 to try again
 * with b->size keys (half of SENT), or -1 once MAX_TIMEOUTS timeouts came
 * in a row. */
int ox_s3_batch_timed_out (struct ox_s3_batch *b, size_t sent,
                           int max_timeouts) __attribute__ ((__nonnull__));

/* Record a request that succeeded, QUICK if it took under half its
 * timeout. */
void ox_s3_batch_succeeded (struct ox_s3_batch *b, int quick)
    __attribute__ ((__nonnull__));

/* Delete the N objects PREFIX + KEYS[i] in batches. Keys that do not exist
 * are not an error. Each request may stay silent for ox_s3_work_timeout of
 * its keys (s3conf.h); a request that times out is not repeated as it
 * was, its keys go again in a batch half as large. URL is the store's URL
 * for messages. Returns 0, or -1 with an error naming the first key that
 * could not be deleted. */
int ox_s3_delete_objects (struct ox_s3_client *c, const char *prefix,
                          const char *url, const char *const *keys, size_t n)
    __attribute__ ((__nonnull__ (1, 2, 3)));

#endif
