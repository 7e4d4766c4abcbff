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
  size_t cap = 0;

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
    if (s->ndata == cap) {
      struct extent *n;
      cap = cap ? cap * 2 : 64;
      n = realloc (s->data, cap * sizeof *n);
      if (!n)
        return -1;
      s->data = n;
    }
    s->data[s->ndata++] = (struct extent){ (uint64_t)d, (uint64_t)h };
    pos = (uint64_t)h;
  }
  if (!s->data) /* all hole: a valid, empty map */
    s->data = malloc (sizeof *s->data);
  return s->data ? 0 : -1;
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
    if (map_data (s) == -1) {
      free (s->data); /* fall back to reading everything */
      s->data = NULL;
      s->ndata = 0;
    }
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

/* Index of the first extent that ends after OFFSET (ndata if none). */
static size_t
first_extent_after (const struct source *s, uint64_t offset)
{
  size_t lo = 0, hi = s->ndata;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->data[mid].end <= offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int
source_has_data (const struct source *s, uint64_t offset, uint64_t len)
{
  size_t i;

  if (!s->data)
    return 1;
  i = first_extent_after (s, offset);
  return i < s->ndata && s->data[i].start < offset + len;
}

uint64_t
source_next_data (const struct source *s, uint64_t offset)
{
  size_t i;

  if (!s->data || offset >= s->size)
    return offset < s->size ? offset : s->size;
  i = first_extent_after (s, offset);
  if (i == s->ndata)
    return s->size;
  return s->data[i].start > offset ? s->data[i].start : offset;
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
  free (s->data);
  s->data = NULL;
}
