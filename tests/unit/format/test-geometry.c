/* Test the chunk geometry of manifest.h: chunk counts, byte ranges, the
 * last short chunk, pages and their entries, valid chunk sizes. */
#include <stdint.h>

#include "manifest.h"
#include "test.h"

#define K 4096u

static void
test_chunk_size_valid (void)
{
  CHECK (ox_chunk_size_valid (4096));
  CHECK (ox_chunk_size_valid (256 * 1024));
  CHECK (ox_chunk_size_valid (64u << 20));
  CHECK (!ox_chunk_size_valid (0));
  CHECK (!ox_chunk_size_valid (2048));
  CHECK (!ox_chunk_size_valid (128u << 20));
  CHECK (!ox_chunk_size_valid (3 * 4096));
  CHECK (!ox_chunk_size_valid (4097));
}

static void
test_chunk_count (void)
{
  CHECK_EQ_INT (ox_chunk_count (0, K), 0);
  CHECK_EQ_INT (ox_chunk_count (1, K), 1);
  CHECK_EQ_INT (ox_chunk_count (K - 1, K), 1);
  CHECK_EQ_INT (ox_chunk_count (K, K), 1);
  CHECK_EQ_INT (ox_chunk_count (K + 1, K), 2);
  CHECK_EQ_INT (ox_chunk_count (10 * K, K), 10);
  /* Near the top of the range: no overflow of size + chunk_size - 1. */
  CHECK (ox_chunk_count (UINT64_MAX, K) == UINT64_MAX / K + 1);
  CHECK (ox_chunk_count (UINT64_MAX - (K - 1), K) == UINT64_MAX / K);
}

static void
test_chunk_range (void)
{
  uint64_t start, len;

  /* 3 chunks, the last one 100 bytes. */
  ox_chunk_range (2 * K + 100, K, 0, &start, &len);
  CHECK_EQ_INT (start, 0);
  CHECK_EQ_INT (len, K);
  ox_chunk_range (2 * K + 100, K, 1, &start, &len);
  CHECK_EQ_INT (start, K);
  CHECK_EQ_INT (len, K);
  ox_chunk_range (2 * K + 100, K, 2, &start, &len);
  CHECK_EQ_INT (start, 2 * K);
  CHECK_EQ_INT (len, 100);
  /* Past the end: empty. */
  ox_chunk_range (2 * K + 100, K, 3, &start, &len);
  CHECK_EQ_INT (start, 3 * K);
  CHECK_EQ_INT (len, 0);
  /* An exact multiple: the last chunk is whole. */
  CHECK_EQ_INT (ox_chunk_len (4 * K, K, 3), K);
  CHECK_EQ_INT (ox_chunk_len (4 * K, K, 4), 0);
  /* A one-byte volume. */
  CHECK_EQ_INT (ox_chunk_len (1, K, 0), 1);
  CHECK_EQ_INT (ox_chunk_start (K, 5), 5 * K);
  /* A chunk index past 2^32 (no 32-bit truncation). */
  CHECK (ox_chunk_start (64u << 20, UINT64_C (1) << 33) == UINT64_C (1) << 59);
}

static void
test_chunk_index (void)
{
  CHECK_EQ_INT (ox_chunk_index (K, 0), 0);
  CHECK_EQ_INT (ox_chunk_index (K, K - 1), 0);
  CHECK_EQ_INT (ox_chunk_index (K, K), 1);
  CHECK_EQ_INT (ox_chunk_index (K, 5 * K + 100), 5);
  /* Every byte of a chunk maps back to it. */
  for (uint64_t i = 0; i < 4; i++) {
    CHECK_EQ_INT (ox_chunk_index (K, ox_chunk_start (K, i)), i);
    CHECK_EQ_INT (ox_chunk_index (K, ox_chunk_start (K, i) + K - 1), i);
  }
  CHECK (ox_chunk_index (64u << 20, UINT64_C (1) << 59) == UINT64_C (1) << 33);
  CHECK (ox_chunk_index (K, UINT64_MAX) == UINT64_MAX / K);
}

static void
test_pages (void)
{
  uint32_t entry = 99;

  CHECK_EQ_INT (ox_page_count (0, 4096), 0);
  CHECK_EQ_INT (ox_page_count (1, 4096), 1);
  CHECK_EQ_INT (ox_page_count (4096, 4096), 1);
  CHECK_EQ_INT (ox_page_count (4097, 4096), 2);

  CHECK_EQ_INT (ox_chunk_page (0, 4, &entry), 0);
  CHECK_EQ_INT (entry, 0);
  CHECK_EQ_INT (ox_chunk_page (3, 4, &entry), 0);
  CHECK_EQ_INT (entry, 3);
  CHECK_EQ_INT (ox_chunk_page (4, 4, &entry), 1);
  CHECK_EQ_INT (entry, 0);
  CHECK_EQ_INT (ox_chunk_page (4096 * 7 + 5, 4096, &entry), 7);
  CHECK_EQ_INT (entry, 5);

  /* ox_page_chunk undoes ox_chunk_page. */
  CHECK_EQ_INT (ox_page_chunk (0, 4, 0), 0);
  CHECK_EQ_INT (ox_page_chunk (1, 4, 3), 7);
  CHECK_EQ_INT (ox_page_chunk (7, 4096, 5), 4096 * 7 + 5);
  for (uint64_t i = 0; i < 20; i++) {
    uint64_t p = ox_chunk_page (i, 4, &entry);
    CHECK_EQ_INT (ox_page_chunk (p, 4, entry), i);
  }
  /* A page index past 2^32 / cpp: computed in 64 bits. */
  CHECK (ox_page_chunk (UINT64_C (1) << 24, 4096, 1)
         == (UINT64_C (1) << 36) + 1);

  /* 10 chunks at 4 per page: 4, 4, 2, then nothing. */
  CHECK_EQ_INT (ox_page_nentries (10, 4, 0), 4);
  CHECK_EQ_INT (ox_page_nentries (10, 4, 1), 4);
  CHECK_EQ_INT (ox_page_nentries (10, 4, 2), 2);
  CHECK_EQ_INT (ox_page_nentries (10, 4, 3), 0);
  CHECK_EQ_INT (ox_page_nentries (8, 4, 1), 4);
}

/* The root's counts agree with the geometry. */
static void
test_root (void)
{
  struct ox_root r = { .volume_size = 5 * K + 1, .chunk_size = K };

  CHECK_EQ_INT (ox_root_nchunks (&r), 6);
  r.chunk_size = 0;
  CHECK_EQ_INT (ox_root_nchunks (&r), 0);
}

int
main (void)
{
  test_chunk_size_valid ();
  test_chunk_count ();
  test_chunk_range ();
  test_chunk_index ();
  test_pages ();
  test_root ();
  return 0;
}
