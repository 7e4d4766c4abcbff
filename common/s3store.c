/* ox: placeholder for the s3:// backend so the tree links until it lands.
 * The S3 engineer owns this file and replaces it with the real backend. */
#include "store.h"

#include <errno.h>

#include "log.h"

int
ox_s3_store_open (const char *bucket, const char *prefix,
                  const struct ox_store_options *opts, struct ox_store **out)
{
  ox_error ("s3:// stores are not built yet");
  errno = ENOTSUP;
  return -1;
}
