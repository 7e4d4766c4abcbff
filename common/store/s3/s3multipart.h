/* ox: S3 multipart upload: parts in parallel, verified, aborted on failure.
 */
#ifndef OX_S3MULTIPART_H
#define OX_S3MULTIPART_H

#include <stddef.h>

#include "s3http.h"

/* At most this many parts (Swift's limit; AWS allows 10000). */
#define OX_S3_MAX_PARTS 1000

/* The part size for an object of LEN bytes: PART_SIZE, raised if needed
 * so that there are at most OX_S3_MAX_PARTS parts. */
size_t ox_s3_part_size (size_t len, size_t part_size);

/* Upload LEN bytes at DATA to object KEY (full key in the bucket) in parts
 * of the configured size, up to the configured number of connections at
 * once, then check the object's size. On failure the upload is aborted so
 * no parts are left behind. WHAT names the object in messages. Returns 0
 * or -1 with an error. */
int ox_s3_multipart_put (struct ox_s3_client *c, const char *key,
                         const char *what, const void *data, size_t len)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

#endif
