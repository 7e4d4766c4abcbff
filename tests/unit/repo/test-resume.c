/* Test resuming interrupted snapshots (resume.c) on a real file store:
 * the segments of a snapshot whose root is gone are found through their
 * markers and handed over; published snapshots, the running one, markers
 * of segments that are missing or of another snapshot, and keys that are
 * not markers are passed over; forgetting removes the markers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "hex.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "resume.h"
#include "testlib.h"

#define MAXSEG 16

/* The segments of the store (from its listing). */
struct segs {
  uint8_t id[MAXSEG][OX_SEGMENT_ID_LEN];
  int n;
};

static int
collect_segment (void *opaque, const char *key, uint64_t size)
{
  struct segs *s = opaque;
  const char *name = strrchr (key, '/') + 1;

  (void)size;
  CHECK (s->n < MAXSEG);
  CHECK_EQ_INT (ox_unhex (name, s->id[s->n++], OX_SEGMENT_ID_LEN), 0);
  return 0;
}

/* What the callback saw. */
struct seen {
  int n, fail_at;
  uint64_t frames;
  uint8_t last[OX_SEGMENT_ID_LEN];
};

static int
see (void *opaque, const struct ox_segment_index *idx)
{
  struct seen *s = opaque;

  if (s->n == s->fail_at)
    return -1;
  s->n++;
  s->frames += idx->nframes;
  memcpy (s->last, idx->segment_id, OX_SEGMENT_ID_LEN);
  return 0;
}

static int
count_key (void *opaque, const char *key, uint64_t size)
{
  (void)key;
  (void)size;
  (*(int *)opaque)++;
  return 0;
}

/* How many objects lie under PREFIX. */
static int
count (struct ox_store *st, const char *prefix)
{
  int n = 0;

  CHECK_EQ_INT (ox_store_list (st, prefix, count_key, &n), 0);
  return n;
}

int
main (void)
{
  char *tmp = ox_test_tmpdir ("test-resume");
  unsigned char *data = ox_test_pattern (600000, 5);
  struct fixture_image img = { .data = data, .size = 600000 };
  struct ox_resume_set set;
  struct ox_store *st;
  struct ox_keys k;
  struct segs segs = { .n = 0 };
  struct seen seen;
  char key[OX_KEY_MAX], root_key[OX_KEY_MAX];
  uint8_t nowhere[OX_SEGMENT_ID_LEN] = { 1, 2, 3 };
  void *root;
  size_t root_len;
  uint64_t id;

  ox_test_capture (0);
  fixture_store (ox_test_path (tmp, "store"), 1, &st, &k);
  id = fixture_snapshot (st, &k, "vol", &img, 65536);
  CHECK_EQ_INT (ox_store_list (st, "segments/", collect_segment, &segs), 0);
  CHECK (segs.n >= 1);
  for (int i = 0; i < segs.n; i++)
    CHECK_EQ_INT (ox_resume_mark (st, "vol", id, segs.id[i]), 0);
  ox_partial_key ("vol", id, segs.id[0], key);
  {
    void *d;
    size_t n;
    char hex[33], want[64];
    CHECK_EQ_INT (ox_store_get (st, key, &d, &n), 0);
    ox_hex (segs.id[0], OX_SEGMENT_ID_LEN, hex);
    snprintf (want, sizeof want, "segment %s\n", hex);
    CHECK_EQ_INT (n, strlen (want));
    CHECK_MEM (d, want, n);
    free (d);
  }

  /* Published: its frames are known through its manifest instead. */
  memset (&seen, 0, sizeof seen);
  seen.fail_at = -1;
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", 0, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, 0);
  CHECK_EQ_INT (set.nids, 0);
  ox_resume_set_free (&set);

  /* Its root gone (as a killed run leaves it): every marked segment. */
  ox_root_key ("vol", id, root_key);
  CHECK_EQ_INT (ox_store_get (st, root_key, &root, &root_len), 0);
  CHECK_EQ_INT (ox_store_del (st, root_key), 0);
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", 0, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, segs.n);
  CHECK (seen.frames >= 9); /* 10 chunks of 64 KiB, some maybe repeats */
  CHECK_EQ_INT (set.nids, 1);
  CHECK (set.ids[0] == id);
  CHECK_EQ_INT (set.nsegments, segs.n);
  ox_resume_set_free (&set);

  /* Not the running snapshot's own; not another volume's. */
  memset (&seen, 0, sizeof seen);
  seen.fail_at = -1;
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", id, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, 0);
  ox_resume_set_free (&set);
  CHECK_EQ_INT (ox_resume_find (st, &k, "other", 0, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, 0);
  ox_resume_set_free (&set);

  /* Markers that cannot serve, passed over with a warning each: a
   * missing segment, a segment of another snapshot; a key that is not a
   * marker is not looked at. */
  CHECK_EQ_INT (ox_resume_mark (st, "vol", id + 1, nowhere), 0);
  CHECK_EQ_INT (ox_resume_mark (st, "vol", id + 2, segs.id[0]), 0);
  CHECK_EQ_INT (ox_store_put (st, "volumes/vol/partial/junk", "x", 1), 0);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", 0, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, segs.n);
  CHECK_EQ_INT (set.nids, 1);
  CHECK_EQ_INT (ox_test_warnings (), 2);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_MESSAGE ("belongs to another snapshot; passed over");
  ox_resume_set_free (&set);

  /* A callback's failure stops the search. */
  memset (&seen, 0, sizeof seen);
  seen.fail_at = 0;
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", 0, see, &seen, &set), -1);
  ox_resume_set_free (&set);

  /* Forgetting removes one snapshot's markers only. */
  ox_resume_forget (st, "vol", id);
  CHECK_EQ_INT (count (st, "volumes/vol/partial/"), 3);
  ox_resume_forget (st, "vol", id + 1);
  ox_resume_forget (st, "vol", id + 2);
  CHECK_EQ_INT (count (st, "volumes/vol/partial/"), 1); /* the junk */
  memset (&seen, 0, sizeof seen);
  seen.fail_at = -1;
  CHECK_EQ_INT (ox_resume_find (st, &k, "vol", 0, see, &seen, &set), 0);
  CHECK_EQ_INT (seen.n, 0);
  ox_resume_set_free (&set);

  free (root);
  ox_store_close (st);
  ox_keys_wipe (&k);
  ox_test_rmtree (tmp);
  free (tmp);
  free (data);
  return 0;
}
