/* Test reading a snapshot through its basis (basis.c): a small snapshot is
 * written by hand with the real frame codec into a real file store. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basis.h"
#include "frame.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "segment.h"
#include "store.h"
#include "testlib.h"
#include "storeopen.h"
#include "objects.h"

/* The snapshot: 8 chunks of 4 KiB, the last one 1000 bytes; 4 chunks per
 * page, so 2 pages. Chunks 1 and 4 are ZERO; chunk 3 has the same data as
 * chunk 0 (one frame); chunks 0, 2, 3, 5 live in segment A, 6 and 7 in B. */
#define CHUNK 4096
#define NCHUNKS 8
#define LAST_LEN 1000
#define VOLSIZE ((uint64_t)(NCHUNKS - 1) * CHUNK + LAST_LEN)
#define CPP 4
#define SNAP UINT64_C (0x00006553f1000042)

static uint8_t volume[VOLSIZE];

static int
is_zero_chunk (uint64_t i)
{
  return i == 1 || i == 4;
}

static size_t
chunk_bytes (uint64_t i)
{
  return i == NCHUNKS - 1 ? LAST_LEN : CHUNK;
}

struct snapshot {
  uint8_t seg_id[2][OX_SEGMENT_ID_LEN];
  char seg_key[2][OX_SEGMENT_KEY_MAX];
  struct ox_page_entry entries[NCHUNKS];
  uint8_t page_ids[2][OX_ID_LEN];
};

/* Add chunk I to segment W, unless its data is already there (chunk 3). */
static void
add_chunk (const struct ox_keys *k, struct ox_codec *c,
           struct ox_segment_writer *w, struct snapshot *s, uint64_t i)
{
  struct ox_page_entry *e = &s->entries[i];
  uint8_t frame[CHUNK + 256];
  size_t flen;

  ox_chunk_id (k, volume + i * CHUNK, chunk_bytes (i), e->id);
  CHECK (ox_segw_add_ref (w, i, e->id) == 0);
  if (i == 3) {
    CHECK_MEM (e->id, s->entries[0].id, OX_ID_LEN);
    e->offset = s->entries[0].offset;
    e->length = s->entries[0].length;
    return;
  }
  CHECK (ox_frame_encode (c, k, e->id, volume + i * CHUNK, chunk_bytes (i),
                          frame, sizeof frame, &flen)
         == 0);
  CHECK (ox_segw_add_frame (w, e->id, frame, flen, chunk_bytes (i), &e->offset)
         == 0);
  e->length = flen;
}

static void
seal_segment (struct ox_store *st, struct ox_segment_writer *w,
              struct snapshot *s, int n)
{
  const void *data;
  size_t len;

  memcpy (s->seg_id[n], ox_segw_id (w), OX_SEGMENT_ID_LEN);
  ox_segment_key (s->seg_id[n], s->seg_key[n]);
  CHECK (ox_segw_seal (w, &data, &len) == 0);
  CHECK (ox_store_put (st, s->seg_key[n], data, len) == 0);
  ox_segw_free (w);
}

static void
write_pages (struct ox_store *st, const struct ox_keys *k, struct ox_codec *c,
             struct snapshot *s)
{
  /* Page 0 references segment A only; page 1 lists B first, then A. */
  uint8_t segs1[2][OX_SEGMENT_ID_LEN];
  struct ox_page p0 = { .page_index = 0,
                        .nentries = CPP,
                        .nsegments = 1,
                        .segments = s->seg_id,
                        .entries = s->entries };
  struct ox_page p1 = { .page_index = 1,
                        .nentries = CPP,
                        .nsegments = 2,
                        .segments = segs1,
                        .entries = s->entries + CPP };

  memcpy (segs1[0], s->seg_id[1], OX_SEGMENT_ID_LEN);
  memcpy (segs1[1], s->seg_id[0], OX_SEGMENT_ID_LEN);
  s->entries[5].segment = 1;
  s->entries[6].segment = 0;
  s->entries[7].segment = 0;
  CHECK (ox_page_put (st, k, c, &p0, s->page_ids[0]) == 0);
  CHECK (ox_page_put (st, k, c, &p1, s->page_ids[1]) == 0);
}

static void
write_snapshot (struct ox_store *st, const struct ox_keys *k,
                struct snapshot *s)
{
  struct ox_codec *c = ox_codec_new (0);
  struct ox_segment_writer *a = ox_segw_new (k, SNAP, "vm1");
  struct ox_segment_writer *b = ox_segw_new (k, SNAP, "vm1");
  struct ox_root r = {
    .snapshot_id = SNAP,
    .created = SNAP >> 24,
    .volume_size = VOLSIZE,
    .chunk_size = CHUNK,
    .chunks_per_page = CPP,
    .npages = 2,
    .data_chunks = NCHUNKS - 2,
    .volume = "vm1",
    .pages = s->page_ids,
  };

  CHECK (c && a && b);
  memset (s->entries, 0, sizeof s->entries);
  for (uint64_t i = 0; i < NCHUNKS; i++) {
    if (is_zero_chunk (i))
      s->entries[i].flags = OX_CHUNK_ZERO;
    else
      add_chunk (k, c, i < 6 ? a : b, s, i);
  }
  seal_segment (st, a, s, 0);
  seal_segment (st, b, s, 1);
  write_pages (st, k, c, s);
  CHECK (ox_root_put (st, k, &r) == 0);
  ox_codec_free (c);
}

static struct ox_basis *
open_basis (struct ox_store *st, const struct ox_keys *k)
{
  struct ox_root *root;
  struct ox_basis *b;

  CHECK (ox_root_get (st, k, "vm1", SNAP, &root) == 0);
  CHECK (ox_basis_open (st, k, root, &b) == 0);
  CHECK (ox_basis_root (b) == root);
  return b;
}

/* Read chunk I and compare it with the volume. */
static void
check_chunk (struct ox_basis *b, struct ox_codec *c, uint64_t i)
{
  uint8_t buf[CHUNK];
  size_t len = 0;

  memset (buf, 0xee, sizeof buf);
  CHECK (ox_basis_read_chunk (b, c, i, buf, &len) == 0);
  CHECK_EQ_INT (len, chunk_bytes (i));
  CHECK_MEM (buf, volume + i * CHUNK, len);
}

static void
test_lookup (struct ox_store *st, const struct ox_keys *k,
             const struct snapshot *s)
{
  struct ox_basis *b = open_basis (st, k);
  struct ox_basis_stats stats;
  struct ox_chunk_loc loc;

  ox_basis_stats (b, &stats);
  CHECK (stats.pages_loaded == 0 && stats.fetches == 0);

  /* Touching page 0 loads only page 0. */
  CHECK (ox_basis_lookup (b, 1, &loc) == 0);
  CHECK (loc.zero);
  CHECK_EQ_INT (loc.plain_len, CHUNK);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.pages_loaded, 1);
  CHECK (ox_basis_lookup (b, 3, &loc) == 0);
  CHECK (!loc.zero);
  CHECK_MEM (loc.id, s->entries[0].id, OX_ID_LEN);
  CHECK_MEM (loc.segment_id, s->seg_id[0], OX_SEGMENT_ID_LEN);
  CHECK (strcmp (loc.key, s->seg_key[0]) == 0);
  CHECK_EQ_INT (loc.offset, s->entries[0].offset);
  CHECK_EQ_INT (loc.length, s->entries[0].length);
  CHECK_EQ_INT (loc.offset, OX_SEGMENT_HEADER_FIXED + 3);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.pages_loaded, 1);
  CHECK (stats.fetches == 0);

  /* Page 1: segment indexes are resolved through that page's table. */
  CHECK (ox_basis_lookup (b, 5, &loc) == 0);
  CHECK (strcmp (loc.key, s->seg_key[0]) == 0);
  CHECK (ox_basis_lookup (b, 7, &loc) == 0);
  CHECK (strcmp (loc.key, s->seg_key[1]) == 0);
  CHECK_EQ_INT (loc.plain_len, LAST_LEN);
  CHECK (ox_basis_lookup (b, 4, &loc) == 0);
  CHECK (loc.zero);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.pages_loaded, 2);

  /* Out of range. */
  ox_test_reset_log ();
  CHECK (ox_basis_lookup (b, NCHUNKS, &loc) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("chunk 8 out of range");
  CHECK (ox_basis_lookup (b, UINT64_MAX, &loc) == -1);
  ox_basis_close (b);
}

static void
test_read_all (struct ox_store *st, const struct ox_keys *k)
{
  struct ox_basis *b = open_basis (st, k);
  struct ox_codec *c = ox_codec_new (0);
  struct ox_basis_stats stats;
  struct ox_chunk_loc loc;
  uint8_t buf[CHUNK], frame[CHUNK + 256];
  size_t len;
  uint64_t bytes = 0;

  /* Only page 1 is touched. */
  check_chunk (b, c, 6);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.pages_loaded, 1);
  CHECK_EQ_INT (stats.fetches, 1);

  for (uint64_t i = 0; i < NCHUNKS; i++)
    check_chunk (b, c, i);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.pages_loaded, 2);
  CHECK_EQ_INT (stats.fetches, 1 + NCHUNKS - 2); /* ZERO: no fetch */
  for (uint64_t i = 0; i < NCHUNKS; i++) {
    CHECK (ox_basis_lookup (b, i, &loc) == 0);
    bytes += loc.length;
  }
  CHECK (ox_basis_lookup (b, 6, &loc) == 0);
  CHECK_EQ_INT (stats.fetched_bytes, bytes + loc.length);

  /* A ZERO chunk is memset. */
  memset (buf, 0xee, sizeof buf);
  CHECK (ox_basis_read_chunk (b, c, 4, buf, &len) == 0);
  CHECK_EQ_INT (len, CHUNK);
  for (size_t i = 0; i < CHUNK; i++)
    CHECK (buf[i] == 0);

  /* Decoding a frame the caller fetched. */
  CHECK (ox_basis_lookup (b, 7, &loc) == 0);
  CHECK (ox_store_get_range (st, loc.key, loc.offset, frame, loc.length) == 0);
  CHECK (ox_basis_decode (b, c, 7, &loc, frame, buf) == 0);
  CHECK_MEM (buf, volume + 7 * CHUNK, LAST_LEN);
  /* A valid frame of the wrong length (chunk 7's, 1000 bytes, at the
   * place of a 4 KiB chunk) is refused. */
  {
    struct ox_chunk_loc l6;
    CHECK (ox_basis_lookup (b, 6, &l6) == 0);
    memcpy (l6.id, loc.id, OX_ID_LEN);
    l6.offset = loc.offset;
    l6.length = loc.length;
    ox_test_reset_log ();
    CHECK (ox_basis_decode (b, c, 6, &l6, frame, buf) == -1);
    CHECK_EQ_INT (ox_test_errors (), 1);
    CHECK_ERROR ("chunk 6");
    CHECK_ERROR ("wrong length (fetched twice: corrupt in the store)");
  }
  /* ...and a frame of another chunk fails its check: it is taken for a
   * fault on the way and fetched once more, from where LOC says, which
   * gives the right chunk (the frame in the store is good). */
  CHECK (ox_basis_lookup (b, 2, &loc) == 0);
  ox_test_reset_log ();
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.refetches, 1); /* chunk 6 just above */
  memset (buf, 0xee, sizeof buf);
  CHECK (ox_basis_decode (b, c, 2, &loc, frame, buf) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_MEM (buf, volume + 2 * CHUNK, CHUNK);
  ox_basis_stats (b, &stats);
  CHECK_EQ_INT (stats.refetches, 2);
  ox_codec_free (c);
  ox_basis_close (b);
}

struct reader {
  struct ox_basis *b;
  pthread_barrier_t *start;
  int rounds;
};

static void *
reader_thread (void *arg)
{
  struct reader *r = arg;
  struct ox_codec *c = ox_codec_new (0);

  CHECK (c != NULL);
  pthread_barrier_wait (r->start);
  for (int n = 0; n < r->rounds; n++)
    for (uint64_t i = 0; i < NCHUNKS; i++)
      check_chunk (r->b, c, (i + n) % NCHUNKS);
  ox_codec_free (c);
  return NULL;
}

static void
test_threads (struct ox_store *st, const struct ox_keys *k)
{
  enum { NTHREADS = 4, ROUNDS = 50 };
  struct reader r[NTHREADS];
  pthread_barrier_t start;
  struct ox_basis_stats stats;

  /* Several times, so concurrent first misses of a page are likely. */
  for (int iter = 0; iter < 20; iter++) {
    struct ox_basis *b = open_basis (st, k);
    CHECK (pthread_barrier_init (&start, NULL, NTHREADS) == 0);
    for (int i = 0; i < NTHREADS; i++)
      r[i] = (struct reader){ .b = b,
                              .start = &start,
                              .rounds = iter ? 1 : ROUNDS };
    ox_test_threads (NTHREADS, reader_thread, r, sizeof r[0]);
    pthread_barrier_destroy (&start);
    ox_basis_stats (b, &stats);
    CHECK_EQ_INT (stats.pages_loaded, 2); /* each page loaded once */
    CHECK_EQ_INT (stats.fetches,
                  (uint64_t)NTHREADS * (NCHUNKS - 2) * (iter ? 1 : ROUNDS));
    ox_basis_close (b);
  }
}

/* Flip one byte of the file of object KEY at OFFSET. */
static void
flip_on_disk (const char *dir, const char *key, uint64_t offset)
{
  char path[512];
  uint8_t byte;
  int fd;

  snprintf (path, sizeof path, "%s/%s", dir, key);
  fd = open (path, O_RDWR);
  CHECK (fd >= 0);
  CHECK (pread (fd, &byte, 1, offset) == 1);
  byte ^= 0x01;
  CHECK (pwrite (fd, &byte, 1, offset) == 1);
  CHECK (close (fd) == 0);
}

static void
test_corrupt_and_missing (const char *dir, struct ox_store *st,
                          const struct ox_keys *k, const struct snapshot *s)
{
  struct ox_basis *b = open_basis (st, k);
  struct ox_codec *c = ox_codec_new (0);
  uint8_t buf[CHUNK];
  size_t len;
  char expect[256];
  char page_key[OX_KEY_MAX];

  /* One byte in the middle of chunk 2's frame. */
  flip_on_disk (dir, s->seg_key[0],
                s->entries[2].offset + s->entries[2].length / 2);
  ox_test_reset_log ();
  CHECK (ox_basis_read_chunk (b, c, 2, buf, &len) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  snprintf (expect, sizeof expect,
            "segment %s: chunk 2 (frame at offset %" PRIu32 ", %" PRIu32
            " bytes): ",
            s->seg_key[0], s->entries[2].offset, s->entries[2].length);
  CHECK_ERROR (expect);
  /* The other chunks still read, including those in the same segment. */
  for (uint64_t i = 0; i < NCHUNKS; i++)
    if (i != 2)
      check_chunk (b, c, i);
  /* And the bad one keeps failing. */
  CHECK (ox_basis_read_chunk (b, c, 2, buf, &len) == -1);
  flip_on_disk (dir, s->seg_key[0],
                s->entries[2].offset + s->entries[2].length / 2);
  check_chunk (b, c, 2);

  /* A missing segment. */
  CHECK (ox_store_del (st, s->seg_key[1]) == 0);
  ox_test_reset_log ();
  CHECK (ox_basis_read_chunk (b, c, 6, buf, &len) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (s->seg_key[1]);
  CHECK_ERROR ("chunk 6");
  CHECK_ERROR ("not found");
  check_chunk (b, c, 5);
  ox_basis_close (b);

  /* A missing page fails lookups in it (every time), not in others. */
  b = open_basis (st, k);
  ox_page_key (s->page_ids[0], page_key);
  CHECK (ox_store_del (st, page_key) == 0);
  for (int n = 0; n < 2; n++) {
    ox_test_reset_log ();
    CHECK (ox_basis_read_chunk (b, c, 0, buf, &len) == -1);
    CHECK_EQ_INT (ox_test_errors (), 1);
    CHECK_ERROR (page_key);
  }
  check_chunk (b, c, 5);
  ox_codec_free (c);
  ox_basis_close (b);
}

/* A page whose entry count does not match the root is refused. */
static void
test_short_page (struct ox_store *st, const struct ox_keys *k,
                 struct snapshot *s)
{
  struct ox_codec *c = ox_codec_new (0);
  struct ox_page p1 = { .page_index = 1,
                        .nentries = CPP - 1,
                        .nsegments = 1,
                        .segments = s->seg_id,
                        .entries = s->entries + CPP };
  uint8_t pages[2][OX_ID_LEN];
  struct ox_root r = {
    .snapshot_id = SNAP + 1,
    .volume_size = VOLSIZE,
    .chunk_size = CHUNK,
    .chunks_per_page = CPP,
    .npages = 2,
    .volume = "vm1",
    .pages = pages,
  };
  struct ox_root *root;
  struct ox_basis *b;
  uint8_t buf[CHUNK];
  size_t len;

  s->entries[5].segment = 0;
  memcpy (pages[0], s->page_ids[0], OX_ID_LEN);
  CHECK (ox_page_put (st, k, c, &p1, pages[1]) == 0);
  CHECK (ox_root_put (st, k, &r) == 0);
  CHECK (ox_root_get (st, k, "vm1", SNAP + 1, &root) == 0);
  CHECK (ox_basis_open (st, k, root, &b) == 0);
  ox_test_reset_log ();
  CHECK (ox_basis_read_chunk (b, c, 5, buf, &len) == -1);
  CHECK_ERROR ("has 3 entries, expected 4");
  ox_basis_close (b);
  ox_codec_free (c);
}

/* A page entry naming a frame far larger than its chunk can encode to is
 * refused before anything is allocated or fetched for it (found by
 * tests/fuzz/fuzz-basis: a 4 GiB malloc per read). */
static void
test_huge_frame (struct ox_store *st, const struct ox_keys *k,
                 struct snapshot *s)
{
  struct ox_codec *c = ox_codec_new (0);
  struct ox_page_entry entries[CPP];
  struct ox_page p0 = { .page_index = 0,
                        .nentries = CPP,
                        .nsegments = 1,
                        .segments = s->seg_id,
                        .entries = entries };
  uint8_t pages[2][OX_ID_LEN];
  struct ox_root r = {
    .snapshot_id = SNAP + 2,
    .volume_size = VOLSIZE,
    .chunk_size = CHUNK,
    .chunks_per_page = CPP,
    .npages = 2,
    .volume = "vm1",
    .pages = pages,
  };
  struct ox_chunk_loc loc;
  struct ox_root *root;
  struct ox_basis *b;
  uint8_t buf[CHUNK];
  size_t len;

  memcpy (entries, s->entries, sizeof entries);
  entries[0].length = UINT32_MAX - entries[0].offset;
  CHECK (ox_page_put (st, k, c, &p0, pages[0]) == 0);
  memcpy (pages[1], s->page_ids[1], OX_ID_LEN);
  CHECK (ox_root_put (st, k, &r) == 0);
  CHECK (ox_root_get (st, k, "vm1", SNAP + 2, &root) == 0);
  CHECK (ox_basis_open (st, k, root, &b) == 0);
  ox_test_reset_log ();
  errno = 0;
  CHECK (ox_basis_lookup (b, 0, &loc) == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_ERROR ("frame larger than a chunk of 4096 bytes can be");
  CHECK (ox_basis_read_chunk (b, c, 0, buf, &len) == -1);
  CHECK_EQ_INT (errno, EIO);
  check_chunk (b, c, 2); /* the other entries still read */
  ox_basis_close (b);
  ox_codec_free (c);
}

static void
run (const struct ox_keys *k)
{
  char *dir = ox_test_tmpdir ("ox-test-basis");
  struct ox_store *st;
  struct snapshot s;

  st = ox_test_file_store (dir);
  write_snapshot (st, k, &s);
  test_lookup (st, k, &s);
  test_read_all (st, k);
  test_threads (st, k);
  test_short_page (st, k, &s);
  test_huge_frame (st, k, &s);
  test_corrupt_and_missing (dir, st, k, &s);
  ox_store_close (st);
  CHECK (ox_test_rmtree (dir) == 0);
  free (dir);
}

int
main (void)
{
  struct ox_keys plain, enc;
  uint8_t store_id[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];

  ox_test_capture (0);
  CHECK (ox_random_bytes (volume, sizeof volume) == 0);
  memset (volume + 2 * CHUNK, 'x', CHUNK / 2); /* compressible */
  memcpy (volume + 3 * CHUNK, volume, CHUNK);  /* chunk 3 = chunk 0 */
  memset (volume + 1 * CHUNK, 0, CHUNK);
  memset (volume + 4 * CHUNK, 0, CHUNK);

  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);
  ox_keys_init_plain (&plain, store_id);
  run (&enc);
  run (&plain);
  return 0;
}
