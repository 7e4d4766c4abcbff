/* ox: whole writes (see fullio.h). */
#include "fullio.h"

#include <errno.h>
#include <unistd.h>

int
ox_pwrite_full (int fd, const void *buf, size_t count, uint64_t offset)
{
  const char *p = buf;

  while (count > 0) {
    ssize_t r = pwrite (fd, p, count, (off_t)offset);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0) {
      errno = EIO;
      return -1;
    }
    p += r, count -= (size_t)r, offset += (uint64_t)r;
  }
  return 0;
}
