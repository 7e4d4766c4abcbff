/* Test the writer with a source that knows what changed (next_changed,
 * writer.h): unchanged chunks are the parent's and are never read, chunks
 * past the parent's end or of another length are read, and a change list
 * that does not start at the parent is refused by check_unchanged. Each
 * snapshot is read back through the basis and compared byte for byte. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "catalog.h"
#include "fixture.h"
#include "manifest.h"
#include "objects.h"
#include "test.h"
#include "writer.h"

#define CHUNK 4096u
#define MAXCHUNKS 64

static char tmp[1024];

/* A source in memory with a list of changed ranges, counting reads. */
struct changed_src {
  const unsigned char *data;
  uint64_t size;
  const uint64_t (*changed)[2]; /* [start, end) ranges, ascending */
  size_t nchanged;
  pthread_mutex_t lock;
  unsigned reads[MAXCHUNKS]; /* reads that touched each chunk */
};

static int
src_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  struct changed_src *c = opaque;

  CHECK (offset + len <= c->size);
  memcpy (buf, c->data + offset, len);
  pthread_mutex_lock (&c->lock);
  for (uint64_t i = offset / CHUNK; i <= (offset + len - 1) / CHUNK; i++)
    c->reads[i]++;
  pthread_mutex_unlock (&c->lock);
  return 0;
}

static uint64_t
src_next_changed (void *opaque, uint64_t offset)
{
  struct changed_src *c = opaque;

  for (size_t i = 0; i < c->nchanged; i++)
    if (c->changed[i][1] > offset)
      return c->changed[i][0] > offset ? c->changed[i][0] : offset;
  return c->size;
}

/* Random bytes (seeded by SEED), chunk 2 zeros. */
static unsigned char *
make_image (uint64_t size, unsigned seed)
{
  unsigned char *p = malloc (size);

  CHECK (p != NULL);
  for (uint64_t i = 0; i < size; i++)
    p[i] = (i / CHUNK) == 2 ? 0 : rand_r (&seed) >> 5;
  return p;
}

/* Snapshot SRC as an incremental child of snapshot PARENT_ID, checking
 * CHECK unchanged chunks. Returns the writer's result; *S its stats. */
static int
child (struct ox_store *st, const struct ox_keys *keys, uint64_t parent_id,
       struct changed_src *src, int check, struct ox_writer_stats *s)
{
  struct ox_writer_source ws = { .name = "mem",
                                 .size = src->size,
                                 .opaque = src,
                                 .read = src_read,
                                 .next_changed = src_next_changed };
  struct ox_writer_options o;
  struct ox_root *root;
  struct ox_basis *parent;
  int r;

  CHECK_EQ_INT (ox_root_get (st, keys, "vol", parent_id, &root), 0);
  CHECK_EQ_INT (ox_basis_open (st, keys, root, &parent), 0);
  ox_writer_options_default (&o);
  o.chunk_size = CHUNK;
  o.segment_size = 4 * CHUNK;
  o.jobs = 2;
  o.parent = parent;
  o.check_unchanged = check;
  memset (src->reads, 0, sizeof src->reads);
  r = ox_writer_snapshot (st, keys, &ws, "vol", &o, s);
  ox_basis_close (parent);
  return r;
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  uint64_t psize = 40 * CHUNK + 123, id0, i;
  unsigned char *a = make_image (psize, 1), *b;
  struct fixture_image img = { .data = a, .size = psize };
  struct changed_src src;
  struct ox_writer_stats s;
  struct ox_store *st;
  struct ox_keys keys;
  char dir[1100], cmd[1200];

  snprintf (tmp, sizeof tmp, "%s/test-writer-changed.XXXXXX", t ? t : "/tmp");
  CHECK (mkdtemp (tmp) != NULL);
  snprintf (dir, sizeof dir, "%s/store", tmp);
  fixture_store (dir, 1, &st, &keys);
  id0 = fixture_snapshot (st, &keys, "vol", &img, CHUNK);

  /* Same size: chunk 3 rewritten, a range over chunks 10-11 written,
   * chunk 20 zeroed; only those are read. */
  b = malloc (psize + 10 * CHUNK);
  CHECK (b != NULL);
  memcpy (b, a, psize);
  memset (b + 3 * CHUNK + 100, 0x5a, 10);
  memset (b + 10 * CHUNK + 4000, 0xa5, 200);
  memset (b + 20 * CHUNK, 0, CHUNK);
  {
    static const uint64_t ch[][2] = { { 3 * CHUNK + 100, 3 * CHUNK + 110 },
                                      { 10 * CHUNK + 4000, 10 * CHUNK + 4200 },
                                      { 20 * CHUNK, 21 * CHUNK } };
    src = (struct changed_src){
      .data = b, .size = psize, .changed = ch, .nchanged = 3
    };
    pthread_mutex_init (&src.lock, NULL);
    CHECK_EQ_INT (child (st, &keys, id0, &src, 0, &s), 0);
    for (i = 0; i < 41; i++)
      CHECK_EQ_INT (src.reads[i],
                    i == 3 || i == 10 || i == 11 || i == 20 ? 1 : 0);
    CHECK_EQ_INT (s.unread_chunks, 41 - 4 - 1); /* chunk 2 is zeros */
    CHECK_EQ_INT (s.new_chunks, 3);             /* chunk 20 is zeros now */
    fixture_check (st, &keys, "vol", s.snapshot_id, b, psize, CHUNK);

    /* The same with every unchanged chunk checked: they all match. */
    CHECK_EQ_INT (child (st, &keys, id0, &src, 100, &s), 0);
    fixture_check (st, &keys, "vol", s.snapshot_id, b, psize, CHUNK);

    /* A change the list does not name (chunk 30): refused when checked. */
    b[30 * CHUNK + 7] ^= 1;
    CHECK_EQ_INT (child (st, &keys, id0, &src, 100, &s), -1);
    b[30 * CHUNK + 7] ^= 1;
  }

  /* Grown by 10 chunks, nothing listed: the parent's short last chunk and
   * the new chunks are read, the rest is the parent's. */
  {
    uint64_t size = psize + 10 * CHUNK;
    unsigned char *tail = make_image (size, 9);
    memcpy (b, a, psize);
    memcpy (b + psize, tail + psize, size - psize);
    free (tail);
    src = (struct changed_src){ .data = b, .size = size };
    pthread_mutex_init (&src.lock, NULL);
    CHECK_EQ_INT (child (st, &keys, id0, &src, 8, &s), 0);
    for (i = 0; i < 40; i++)
      CHECK (src.reads[i] <= 1); /* at most the check's read */
    for (i = 40; i < ox_chunk_count (size, CHUNK); i++)
      CHECK (src.reads[i] >= 1);
    CHECK_EQ_INT (s.unread_chunks, 39);
    fixture_check (st, &keys, "vol", s.snapshot_id, b, size, CHUNK);
  }

  /* Shrunk to 30 chunks and 50 bytes: the last chunk, now short, is read. */
  {
    uint64_t size = 30 * CHUNK + 50;
    memcpy (b, a, psize);
    src = (struct changed_src){ .data = b, .size = size };
    pthread_mutex_init (&src.lock, NULL);
    CHECK_EQ_INT (child (st, &keys, id0, &src, 0, &s), 0);
    CHECK_EQ_INT (src.reads[30], 1);
    CHECK_EQ_INT (s.unread_chunks, 29);
    fixture_check (st, &keys, "vol", s.snapshot_id, b, size, CHUNK);
  }

  ox_store_close (st);
  ox_keys_wipe (&keys);
  free (a);
  free (b);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  CHECK (system (cmd) == 0);
  return 0;
}
