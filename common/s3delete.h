/* ox: S3 DeleteObjects: many keys deleted per request. */
#ifndef OX_S3DELETE_H
#define OX_S3DELETE_H

#include <stddef.h>

#include "s3http.h"

/* Keys per DeleteObjects request (the S3 maximum). */
#define OX_S3_DELETE_BATCH 1000

/* Delete the N objects PREFIX + KEYS[i] in batches. Keys that do not exist
 * are not an error. URL is the store's URL for messages. Returns 0, or -1
 * with an error naming the first key that could not be deleted. */
int ox_s3_delete_objects (struct ox_s3_client *c, const char *prefix,
                          const char *url, const char *const *keys, size_t n)
    __attribute__ ((__nonnull__ (1, 2, 3)));

#endif
