/* oxsnap: the snapshot source. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

/* Collect the allocated ranges of a regular file. Returns 0, or -1 when
 * the file system cannot tell (the caller then treats it as all data). */
static int
map_data (struct source *s)
{
  uint64_t pos = 0;

  while (pos < s->size) {
    off_t d = lseek (s->fd, (off_t)pos, SEEK_DATA), h;
    if (d == -1) {
      if (errno == ENXIO)
        break; /* only a hole is left */
      return -1;
    }
    h = lseek (s->fd, d, SEEK_HOLE);
    if (h == -1)
      return -1;
    if ((uint64_t)h > s->size)
      h = (off_t)s->size;
    if (extent_list_add (&s->data, (uint64_t)d, (uint64_t)h) == -1)
      return -1;
    pos = (uint64_t)h;
  }
  s->mapped = 1;
  return 0;
}

int
source_open (struct source *s, const char *path)
{
  struct stat st;

  memset (s, 0, sizeof *s);
  s->path = path;
  s->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (s->fd == -1) {
    ox_error ("cannot open source %s: %m", path);
    return -1;
  }
  if (fstat (s->fd, &st) == -1) {
    ox_error ("%s: %m", path);
    goto fail;
  }
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (s->fd, BLKGETSIZE64, &s->size) == -1) {
      ox_error ("%s: cannot get the block device size: %m", path);
      goto fail;
    }
  } else if (S_ISREG (st.st_mode)) {
    s->size = (uint64_t)st.st_size;
    if (map_data (s) == -1) /* fall back to reading everything */
      extent_list_free (&s->data);
  } else {
    ox_error ("source %s is not a block device or a regular file", path);
    goto fail;
  }
  if (s->size == 0) {
    ox_error ("source %s is empty", path);
    goto fail;
  }
  /* Read once, front to back: a larger readahead window. */
  posix_fadvise (s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return 0;

fail:
  source_close (s);
  return -1;
}

uint64_t
source_next_data (const struct source *s, uint64_t offset)
{
  if (!s->mapped)
    return offset < s->size ? offset : s->size;
  return extent_list_next (&s->data, offset, s->size);
}

int
source_read (const struct source *s, void *buf, size_t len, uint64_t offset)
{
  ssize_t r = ox_pread_full (s->fd, buf, len, offset);

  if (r == -1) {
    ox_error ("read error on %s at offset %llu: %m", s->path,
              (unsigned long long)offset);
    return -1;
  }
  if ((size_t)r < len) {
    ox_error ("%s: unexpected end of file at offset %llu (did it shrink?)",
              s->path, (unsigned long long)(offset + (uint64_t)r));
    return -1;
  }
  return 0;
}

void
source_close (struct source *s)
{
  if (s->fd >= 0)
    close (s->fd);
  s->fd = -1;
  extent_list_free (&s->data);
  s->mapped = 0;
}
