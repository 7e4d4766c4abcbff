/* ox: opening a store by its URL: chooses the backend (file:// or s3://)
 * and stacks the decorators that the options ask for (limitstore.h). */
#ifndef OX_STOREOPEN_H
#define OX_STOREOPEN_H

#include "store.h"

/* Open the store named by URL: "file:///path", "s3://bucket/prefix", or a
 * plain directory path. Returns 0 and sets *OUT, or -1 with an error. */
int ox_store_open (const char *url, const struct ox_store_options *opts,
                   struct ox_store **out) __attribute__ ((__nonnull__ (1, 3)));

#endif
