/* Test garbage collection (gc.c) with an incremental snapshot: once its
 * parent is forgotten, the parent's segment still holds the child's
 * unchanged frames and stays, while the parent's own pages go; the child
 * still reads back; once the child is forgotten too, everything goes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "fixture.h"
#include "gc.h"
#include "manifest.h"
#include "objects.h"
#include "testlib.h"
#include "writer.h"

#define SIZE (10 * CHUNK + 1234)
#define CHUNK 65536

static int
mem_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  memcpy (buf, (const unsigned char *)opaque + offset, len);
  return 0;
}

/* Snapshot the SIZE bytes at DATA as a child of vol@PARENT_ID, reusing
 * the parent's frames; returns its id and sets *NEWSEGS. */
static uint64_t
child (struct ox_store *st, const struct ox_keys *k, uint64_t parent_id,
       const unsigned char *data, size_t *newsegs)
{
  struct ox_writer_source src = {
    .name = "child", .size = SIZE, .opaque = (void *)data, .read = mem_read
  };
  struct ox_writer_options o;
  struct ox_writer_stats s;
  struct ox_root *root;
  struct ox_basis *parent;

  CHECK_EQ_INT (ox_root_get (st, k, "vol", parent_id, &root), 0);
  CHECK_EQ_INT (ox_basis_open (st, k, root, &parent), 0);
  ox_writer_options_default (&o);
  o.chunk_size = CHUNK;
  o.jobs = 2;
  o.parent = parent;
  CHECK_EQ_INT (ox_writer_snapshot (st, k, &src, "vol", &o, &s), 0);
  CHECK (s.reused_chunks > 0);
  CHECK (s.new_chunks > 0);
  *newsegs = s.nsegments;
  ox_basis_close (parent);
  return s.snapshot_id;
}

/* Run a collection with a grace of 0; it must succeed. */
static void
gc (struct ox_store *st, const struct ox_keys *k, struct ox_gc_stats *s)
{
  struct ox_gc_options o = { .grace = 0, .jobs = 2 };

  CHECK_EQ_INT (ox_gc_run (st, k, &o, s), 0);
}

int
main (void)
{
  char *tmp = ox_test_tmpdir ("test-gc-incremental");
  unsigned char *a = ox_test_pattern (SIZE, 1), *b = malloc (SIZE);
  struct fixture_image img = { .data = a, .size = SIZE };
  struct ox_store *st;
  struct ox_keys k;
  struct ox_gc_stats s;
  uint64_t id0, id1;
  size_t segs, pages, newsegs;
  char key[OX_KEY_MAX];

  CHECK (b != NULL);
  ox_test_capture (0);
  fixture_store (ox_test_path (tmp, "store"), 1, &st, &k);
  id0 = fixture_snapshot (st, &k, "vol", &img, CHUNK);
  memcpy (b, a, SIZE);
  memset (b + 3 * CHUNK + 100, 0x5a, 10);
  id1 = child (st, &k, id0, b, &newsegs);
  segs = ox_test_count (st, "segments/");
  pages = ox_test_count (st, "pages/");
  CHECK_EQ_INT (segs, 1 + newsegs);

  /* The parent forgotten: its segment holds the child's unchanged frames
   * and stays; its pages, which the child does not share, go. */
  ox_root_key ("vol", id0, key);
  CHECK_EQ_INT (ox_store_del (st, key), 0);
  gc (st, &k, &s);
  CHECK_EQ_INT (s.roots, 1);
  CHECK_EQ_INT (s.live_segments, segs);
  CHECK_EQ_INT (ox_test_count (st, "segments/"), segs);
  CHECK (s.deleted > 0);
  CHECK_EQ_INT (s.deleted, pages - s.live_pages);
  CHECK_EQ_INT (ox_test_count (st, "pages/"), s.live_pages);
  fixture_check (st, &k, "vol", id1, b, SIZE, CHUNK);

  /* The child forgotten too: nothing is left. */
  ox_root_key ("vol", id1, key);
  CHECK_EQ_INT (ox_store_del (st, key), 0);
  gc (st, &k, &s);
  CHECK_EQ_INT (s.roots, 0);
  CHECK_EQ_INT (ox_test_count (st, "segments/") + ox_test_count (st, "pages/"),
                0);
  CHECK_EQ_INT (ox_test_errors (), 0);

  ox_store_close (st);
  ox_keys_wipe (&k);
  free (a);
  free (b);
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
