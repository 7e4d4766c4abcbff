/* ox: the file:// backend: a store in a local directory, one file per
 * object, every put atomic and durable (docs/DESIGN.md). */
#ifndef OX_FILESTORE_H
#define OX_FILESTORE_H

#include "store.h"

/* Open a file:// store rooted at directory PATH (used by ox_store_open). */
int ox_file_store_open (const char *path, const struct ox_store_options *opts,
                        struct ox_store **out)
    __attribute__ ((__nonnull__ (1, 3)));

#endif
