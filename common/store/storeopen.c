/* ox: opening a store by URL; dispatches to the file:// and s3:// backends.
 */
#include "storeopen.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "filestore.h"
#include "limitstore.h"
#include "log.h"
#include "s3store.h"

/* If URL begins with "SCHEME://" (RFC 3986 scheme syntax), return the length
 * of SCHEME, else 0 (a plain path). */
static size_t
scheme_length (const char *url)
{
  size_t n = 0;

  if (!((url[0] >= 'A' && url[0] <= 'Z') || (url[0] >= 'a' && url[0] <= 'z')))
    return 0;
  n = strspn (url, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+.-");
  return strncmp (url + n, "://", 3) == 0 ? n : 0;
}

/* True if the scheme of URL, N bytes long, is NAME (case-insensitive). */
static bool
scheme_is (const char *url, size_t n, const char *name)
{
  return strlen (name) == n && strncasecmp (url, name, n) == 0;
}

/* Open a file store at PATH; its url is URL as the user wrote it. */
static int
open_file (const char *url, const char *path,
           const struct ox_store_options *opts, struct ox_store **out)
{
  char *copy;

  if (path[0] == '\0') {
    ox_error ("store URL %s has no directory path", url);
    errno = EINVAL;
    return -1;
  }
  if (ox_file_store_open (path, opts, out) == -1)
    return -1;
  copy = strdup (url);
  if (copy) {
    free ((*out)->url);
    (*out)->url = copy;
  }
  /* The file backend does not pace itself (s3 does, on the wire). */
  if (opts && opts->bwlimit)
    return ox_limit_store_wrap (*out, opts->bwlimit, out);
  return 0;
}

/* Open an s3 store from REST, the part of URL after "s3://":
 * "BUCKET[/PREFIX]". Trailing '/' of the prefix are dropped. */
static int
open_s3 (const char *url, const char *rest,
         const struct ox_store_options *opts, struct ox_store **out)
{
  const char *slash = strchr (rest, '/');
  size_t blen = slash ? (size_t)(slash - rest) : strlen (rest);
  CLEANUP_FREE char *bucket = strndup (rest, blen);
  CLEANUP_FREE char *prefix = strdup (slash ? slash + 1 : "");
  size_t plen;

  if (!bucket || !prefix) {
    ox_error ("cannot open store %s: %m", url);
    return -1;
  }
  if (blen == 0) {
    ox_error ("store URL %s has no bucket name (expected "
              "s3://BUCKET/PREFIX)",
              url);
    errno = EINVAL;
    return -1;
  }
  plen = strlen (prefix);
  while (plen > 0 && prefix[plen - 1] == '/')
    prefix[--plen] = '\0';
  if (prefix[0] == '/' || strstr (prefix, "//")) {
    ox_error ("store URL %s has an empty component in its prefix", url);
    errno = EINVAL;
    return -1;
  }
  return ox_s3_store_open (bucket, prefix, opts, out);
}

int
ox_store_open (const char *url, const struct ox_store_options *opts,
               struct ox_store **out)
{
  size_t n = scheme_length (url);

  if (n == 0)
    return open_file (url, url, opts, out);
  if (scheme_is (url, n, "file"))
    return open_file (url, url + n + 3, opts, out);
  if (scheme_is (url, n, "s3"))
    return open_s3 (url, url + n + 3, opts, out);
  ox_error ("store URL %s has an unknown scheme \"%.*s\" (expected file://, "
            "s3:// or a directory path)",
            url, (int)n, url);
  errno = EINVAL;
  return -1;
}
