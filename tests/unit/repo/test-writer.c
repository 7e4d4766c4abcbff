/* Test the snapshot writer (writer.c): snapshots of small images written
 * in-process into a file:// store, plain and encrypted, read back through
 * the basis reader and compared byte for byte. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "catalog.h"
#include "fixture.h"
#include "objects.h"
#include "storeopen.h"
#include "test.h"
#include "writer.h"

#define CHUNK 4096u

static char tmp[1024];
static int nstores;

/* Snapshot IMG in a fresh store (ENCRYPTED or not) and read it back. */
static void
roundtrip (const struct fixture_image *img, int encrypted)
{
  struct ox_store *st;
  struct ox_keys keys;
  char dir[1100];
  uint64_t id;

  snprintf (dir, sizeof dir, "%s/store%d", tmp, nstores++);
  fixture_store (dir, encrypted, &st, &keys);
  id = fixture_snapshot (st, &keys, "vol", img, CHUNK);
  fixture_check (st, &keys, "vol", id, img->data, img->size, CHUNK);
  ox_store_close (st);
  ox_keys_wipe (&keys);
}

/* Random bytes, with every third chunk zeros and chunk 5 a copy of 0. */
static unsigned char *
make_image (uint64_t size)
{
  unsigned char *p = malloc (size ? size : 1);
  unsigned seed = 7;

  CHECK (p != NULL);
  for (uint64_t i = 0; i < size; i++)
    p[i] = (i / CHUNK) % 3 == 1 ? 0 : rand_r (&seed) >> 5;
  if (size >= 6 * CHUNK)
    memcpy (p + 5 * CHUNK, p, CHUNK);
  return p;
}

static int
mem_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  memcpy (buf, (const unsigned char *)opaque + offset, len);
  return 0;
}

/* The statistics, with segments of two chunks (so several segments) and
 * no next_data callback (zero chunks are found by reading them). */
static void
test_stats (void)
{
  uint64_t size = 40 * CHUNK + 123;
  unsigned char *data = make_image (size);
  struct fixture_image img = { .data = data, .size = size };
  struct ox_writer_source src
      = { .name = "mem", .size = size, .opaque = data, .read = mem_read };
  struct ox_writer_options o;
  struct ox_writer_stats s;
  struct ox_store *st;
  struct ox_keys keys;
  char dir[1100];

  snprintf (dir, sizeof dir, "%s/stats", tmp);
  fixture_store (dir, 1, &st, &keys);
  ox_writer_options_default (&o);
  CHECK_EQ_INT (o.chunk_size, 256u << 10);
  o.chunk_size = CHUNK;
  o.segment_size = 2 * CHUNK;
  o.jobs = 3;
  CHECK_EQ_INT (ox_writer_snapshot (st, &keys, &src, "vol", &o, &s), 0);
  CHECK_EQ_INT (s.volume_size, size);
  CHECK_EQ_INT (s.nchunks, 41);
  /* Chunks 1, 4, ... 40 are zeros (14 of 41); chunk 5 repeats chunk 0. */
  CHECK_EQ_INT (s.data_chunks, 27);
  CHECK_EQ_INT (s.dedup_chunks, 1);
  CHECK_EQ_INT (s.new_chunks, 26);
  CHECK_EQ_INT (s.npages, 1);
  CHECK (s.nsegments >= 13);
  CHECK (s.stored_bytes > 0);
  fixture_check (st, &keys, "vol", s.snapshot_id, img.data, img.size, CHUNK);
  ox_store_close (st);
  ox_keys_wipe (&keys);
  free (data);
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char cmd[1200];
  unsigned char one = 'x';
  uint64_t size;
  unsigned char *data;

  snprintf (tmp, sizeof tmp, "%s/test-writer.XXXXXX", t ? t : "/tmp");
  CHECK (mkdtemp (tmp) != NULL);

  /* A short last chunk, plain and encrypted. */
  size = 17 * CHUNK + 1000;
  data = make_image (size);
  {
    struct fixture_image img = { .data = data, .size = size };
    roundtrip (&img, 0);
    roundtrip (&img, 1);
  }
  /* A sparse image: chunks 3..10 are a hole of the source, never read. */
  memset (data + 3 * CHUNK, 0, 8 * CHUNK);
  {
    struct fixture_image img = { .data = data,
                                 .size = size,
                                 .hole_start = 3 * CHUNK,
                                 .hole_end = 11 * CHUNK };
    roundtrip (&img, 1);
  }
  /* A hole to the end of the source. */
  memset (data + 12 * CHUNK, 0, size - 12 * CHUNK);
  {
    struct fixture_image img = {
      .data = data, .size = size, .hole_start = 12 * CHUNK, .hole_end = size
    };
    roundtrip (&img, 0);
  }
  free (data);
  /* One byte. */
  {
    struct fixture_image img = { .data = &one, .size = 1 };
    roundtrip (&img, 0);
  }
  /* An exact multiple of the chunk size. */
  size = 9 * CHUNK;
  data = make_image (size);
  {
    struct fixture_image img = { .data = data, .size = size };
    roundtrip (&img, 1);
  }
  free (data);
  test_stats ();

  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  CHECK (system (cmd) == 0);
  return 0;
}
