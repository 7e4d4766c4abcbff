/* ox: a store decorator that applies the bwlimit option (bytes per second
 * for the whole process, the shared bucket of ratelimit.h) to a backend
 * that does not pace its own transfers, like restic's limiter. The s3://
 * backend paces itself as bytes go over the wire; file:// is wrapped by
 * ox_store_open when bwlimit is set.
 */
#ifndef OX_LIMITSTORE_H
#define OX_LIMITSTORE_H

#include <stdint.h>

#include "store.h"

/* Wrap INNER so that put, get and get_range take their bytes from the
 * process-wide rate limit, lowered to RATE (> 0) bytes per second. The
 * wrapper owns INNER (closing it closes INNER) and has INNER's scheme and
 * url. Returns 0 and sets *OUT, or -1 with an error (INNER is then
 * closed). */
int ox_limit_store_wrap (struct ox_store *inner, uint64_t rate,
                         struct ox_store **out)
    __attribute__ ((__nonnull__ (1, 3)));

#endif
