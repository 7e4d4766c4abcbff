/* oxsnap: a clone's overlay as the snapshot source (ovsource.h). */
#include "ovsource.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "names.h"

#define BLOCK OX_OV_BLOCK_SIZE

int
ov_source_is_overlay (const char *path)
{
  char p[4096 + sizeof OX_OVHEADER_NAME + 1];
  struct stat st;

  if (stat (path, &st) == -1 || !S_ISDIR (st.st_mode))
    return 0;
  snprintf (p, sizeof p, "%s/" OX_OVHEADER_NAME, path);
  return access (p, F_OK) == 0;
}

/* Read and parse the header. */
static int
read_header (struct ov_source *s)
{
  CLEANUP_CLOSE int fd
      = openat (s->dir_fd, OX_OVHEADER_NAME, O_RDONLY | O_CLOEXEC);
  CLEANUP_FREE char *text = malloc (OX_OVHEADER_MAX + 1);
  char what[4096 + 32];
  ssize_t len;

  snprintf (what, sizeof what, "%s/" OX_OVHEADER_NAME, s->dir);
  if (fd < 0 || !text
      || (len = ox_read_full (fd, text, OX_OVHEADER_MAX + 1)) < 0) {
    ox_error ("%s: %m", what);
    return -1;
  }
  return ox_ovheader_parse (what, text, (size_t)len, &s->h);
}

/* Read the map file NAME into a malloc'd *BITS (host order). */
static int
read_bits (struct ov_source *s, const char *name, uint64_t **bits)
{
  CLEANUP_CLOSE int fd = openat (s->dir_fd, name, O_RDONLY | O_CLOEXEC);
  char what[4096 + 32];
  struct stat st;
  ssize_t r;

  snprintf (what, sizeof what, "%s/%s", s->dir, name);
  if (fd < 0 || fstat (fd, &st) == -1) {
    ox_error ("%s: %m", what);
    return -1;
  }
  if (ox_ovmap_check_len (what, (uint64_t)st.st_size, s->size) == -1)
    return -1;
  *bits = malloc ((size_t)st.st_size);
  if (!*bits) {
    ox_error ("%s: %m", what);
    return -1;
  }
  r = ox_pread_full (fd, *bits, (size_t)st.st_size, 0);
  if (r < 0 || r < st.st_size) {
    if (r >= 0)
      errno = EIO;
    ox_error ("%s: read: %m", what);
    return -1;
  }
  ox_ovmap_decode (*bits, (size_t)st.st_size, 0, s->nblocks, *bits);
  return 0;
}

/* Read the block map into S->bits, and the runs of changed blocks into
 * S->local: those of the written map (version 2), else (version 1) of the
 * block map, where hydrated blocks count as changed too. */
static int
read_map (struct ov_source *s)
{
  CLEANUP_FREE uint64_t *written = NULL;
  const uint64_t *changed;
  uint64_t b, run = 0;

  if (read_bits (s, OX_OVMAP_NAME, &s->bits) == -1
      || (s->h.version >= 2
          && read_bits (s, OX_OVWRITTEN_NAME, &written) == -1))
    return -1;
  changed = written ? written : s->bits;
  for (b = 0; b <= s->nblocks; b++) {
    int local = b < s->nblocks && (changed[b / 64] >> (b % 64) & 1);
    if (local)
      continue;
    if (b > run) {
      uint64_t end = b * BLOCK < s->size ? b * BLOCK : s->size;
      if (extent_list_add (&s->local, run * BLOCK, end) == -1)
        return -1;
    }
    run = b + 1;
  }
  return 0;
}

int
ov_source_open (struct ov_source *s, const char *dir)
{
  char spec_id[17];

  memset (s, 0, sizeof *s);
  s->dir = dir;
  s->data_fd = -1;
  pthread_mutex_init (&s->lock, NULL);
  s->dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->dir_fd < 0) {
    ox_error ("cannot open overlay %s: %m", dir);
    goto fail;
  }
  if (flock (s->dir_fd, LOCK_SH | LOCK_NB) == -1) {
    if (errno == EWOULDBLOCK)
      ox_error ("overlay %s is in use by a running nbdkit-ox-plugin: stop "
                "the clone's server before snapshotting it",
                dir);
    else
      ox_error ("overlay %s: lock: %m", dir);
    goto fail;
  }
  if (read_header (s) == -1)
    goto fail;
  s->size = s->h.volume_size;
  s->nblocks = ox_ovmap_nblocks (s->size);
  ox_snapshot_id_format (s->h.snapshot_id, spec_id);
  snprintf (s->spec, sizeof s->spec, "%s@%s", s->h.volume, spec_id);
  if (read_map (s) == -1)
    goto fail;
  s->data_fd = openat (s->dir_fd, OX_OVDATA_NAME, O_RDONLY | O_CLOEXEC);
  if (s->data_fd < 0) {
    ox_error ("%s/" OX_OVDATA_NAME ": %m", dir);
    goto fail;
  }
  return 0;

fail:
  ov_source_close (s);
  return -1;
}

int
ov_source_attach (struct ov_source *s, const struct ox_keys *k,
                  struct ox_basis *b)
{
  struct ox_ovheader want;

  if (ox_ovheader_from_root (k, "", ox_basis_root (b), &want) == -1)
    return -1;
  if (memcmp (want.store_id, s->h.store_id, sizeof want.store_id) != 0) {
    ox_error ("overlay %s is a clone of a snapshot of another store (its "
              "store-id differs): snapshot it into the store it clones",
              s->dir);
    return -1;
  }
  if (memcmp (want.root_digest, s->h.root_digest, sizeof want.root_digest) != 0
      || want.volume_size != s->h.volume_size
      || want.chunk_size != s->h.chunk_size) {
    ox_error ("overlay %s: its basis %s in this store is not the snapshot "
              "the overlay was made from (root digest or geometry differ)",
              s->dir, s->spec);
    return -1;
  }
  s->codec = ox_codec_new (0);
  s->chunk = malloc (s->h.chunk_size);
  if (!s->codec || !s->chunk) {
    ox_error ("out of memory");
    return -1;
  }
  s->basis = b;
  return 0;
}

static int
is_local (const struct ov_source *s, uint64_t blk)
{
  return s->bits[blk / 64] >> (blk % 64) & 1;
}

/* Read [OFF, OFF+LEN), within one chunk and all of it from the basis, into
 * BUF. */
static int
read_basis (struct ov_source *s, uint8_t *buf, size_t len, uint64_t off)
{
  uint32_t cs = s->h.chunk_size;
  uint64_t idx = off / cs;
  size_t got = 0;
  int r;

  pthread_mutex_lock (&s->lock);
  /* A chunk with several runs of basis blocks is decoded once. */
  if (s->chunk_index == idx + 1) {
    got = s->chunk_len;
    r = 0;
  } else {
    s->chunk_index = 0;
    r = ox_basis_read_chunk (s->basis, s->codec, idx, s->chunk, &got);
    if (r == 0) {
      s->chunk_index = idx + 1;
      s->chunk_len = got;
    }
  }
  if (r == 0 && got < off - idx * cs + len) {
    ox_error ("overlay %s: basis chunk %" PRIu64 " is short", s->dir, idx);
    r = -1;
  }
  if (r == 0)
    memcpy (buf, s->chunk + (off - idx * cs), len);
  pthread_mutex_unlock (&s->lock);
  return r;
}

int
ov_source_read (struct ov_source *s, void *buf, size_t len, uint64_t offset)
{
  uint8_t *p = buf;

  while (len > 0) {
    uint64_t blk = offset / BLOCK, end = blk + 1;
    uint32_t cs = s->h.chunk_size;
    int local = is_local (s, blk);
    size_t n;

    /* A run of blocks of one kind, within one chunk. */
    while (end * BLOCK < offset + len && end < s->nblocks
           && is_local (s, end) == local && (end * BLOCK) % cs != 0)
      end++;
    n = end * BLOCK - offset < len ? (size_t)(end * BLOCK - offset) : len;
    if (local) {
      ssize_t r = ox_pread_full (s->data_fd, p, n, offset);
      if (r < 0 || (size_t)r < n) {
        if (r >= 0)
          errno = EIO;
        ox_error ("overlay %s: read of data at offset %" PRIu64 ": %m", s->dir,
                  offset);
        return -1;
      }
    } else if (read_basis (s, p, n, offset) == -1)
      return -1;
    p += n;
    len -= n;
    offset += n;
  }
  return 0;
}

uint64_t
ov_source_next_local (const struct ov_source *s, uint64_t offset)
{
  return extent_list_next (&s->local, offset, s->size);
}

void
ov_source_close (struct ov_source *s)
{
  if (!s->dir)
    return; /* never opened, or closed already */
  if (s->data_fd >= 0)
    close (s->data_fd);
  if (s->dir_fd >= 0)
    close (s->dir_fd); /* and the lock with it */
  s->data_fd = s->dir_fd = -1;
  free (s->bits);
  s->bits = NULL;
  extent_list_free (&s->local);
  ox_codec_free (s->codec);
  s->codec = NULL;
  free (s->chunk);
  s->chunk = NULL;
  pthread_mutex_destroy (&s->lock);
  s->dir = NULL;
}
