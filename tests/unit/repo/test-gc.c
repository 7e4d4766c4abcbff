/* Test garbage collection (gc.c) in-process on real file stores holding
 * snapshots made by the writer: nothing referenced goes; a forgotten
 * root's pages and segments go at once with a grace of 0, and after a
 * grace period otherwise (condemned, waiting, ripe); revived objects are
 * kept and relisted; a dry run changes nothing; resume markers
 * keep their segments while they may be resumed; orphan traces go; and a
 * root that cannot be read stops the run before anything is deleted.
 * Leases and concurrent publishers are test-gc-leases.c's. */
#include "gctest.h"

/* (a) Nothing unreferenced: nothing goes. */
static void
test_nothing (void)
{
  struct env e;
  struct ox_gc_stats s;
  size_t before;
  char *all;

  /* An empty store. */
  env_new (&e, "empty", 0);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.roots, 0);
  CHECK_EQ_INT (s.objects, 0);
  CHECK_EQ_INT (s.deleted, 0);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 0);
  env_free (&e);

  env_new (&e, "nothing", 2);
  before = objects (&e);
  CHECK (before >= 4);
  all = everything (&e);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.roots, 2);
  CHECK_EQ_INT (s.objects, before);
  CHECK_EQ_INT (s.live_segments, 2);
  CHECK_EQ_INT (s.live_pages + s.live_segments, before);
  CHECK_EQ_INT (s.unreferenced, 0);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.blocking, 0);
  {
    char *after = everything (&e);
    CHECK (strcmp (all, after) == 0);
    free (after);
  }
  free (all);
  /* With a grace period: still nothing condemned, no list. */
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 0);
  env_free (&e);
}

/* What the progress callback saw, by phase: calls, the last DONE and
 * TOTAL (DONE never going back). */
struct progress {
  int calls[3];
  uint64_t done[3], total[3];
};

static void
progress (void *arg, enum ox_gc_phase phase, uint64_t done, uint64_t total)
{
  struct progress *p = arg;

  CHECK (phase <= OX_GC_DELETE);
  CHECK (done >= p->done[phase]);
  CHECK (phase == OX_GC_LIST || done <= total);
  p->calls[phase]++;
  p->done[phase] = done;
  p->total[phase] = total;
}

/* (b) A forgotten root's objects go at once with a grace of 0; the other
 * snapshots still read back. */
static void
test_forgotten (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_root *r0, *r1;
  size_t segs, pages;
  char seg0[OX_KEY_MAX], seg1[OX_KEY_MAX];
  uint8_t sid[OX_SEGMENT_ID_LEN];

  env_new (&e, "forgotten", 3);
  r0 = root_of (&e, 0);
  r1 = root_of (&e, 1);
  segment_of (&e, 0, sid, seg0);
  segment_of (&e, 1, sid, seg1);
  segs = count (&e, "segments/");
  pages = count (&e, "pages/");
  CHECK_EQ_INT (segs, 3);
  forget (&e, 1);
  {
    struct progress pr = { 0 };
    struct ox_gc_options o
        = { .grace = 0, .jobs = 3, .progress = progress, .progress_arg = &pr };
    CHECK_EQ_INT (ox_gc_run (e.st, &e.k, &o, &s), 0);
    CHECK_EQ_INT (pr.calls[OX_GC_LIST], 1); /* fewer than 1000 objects */
    CHECK_EQ_INT (pr.done[OX_GC_LIST], segs + pages);
    CHECK_EQ_INT (pr.total[OX_GC_LIST], segs + pages);
    CHECK_EQ_INT (pr.calls[OX_GC_MARK], r0->npages * 2);
    CHECK_EQ_INT (pr.done[OX_GC_MARK], r0->npages * 2);
    CHECK_EQ_INT (pr.total[OX_GC_MARK], r0->npages * 2);
    CHECK_EQ_INT (pr.calls[OX_GC_DELETE], 1);
    CHECK_EQ_INT (pr.done[OX_GC_DELETE], 1 + r1->npages);
    CHECK_EQ_INT (pr.total[OX_GC_DELETE], 1 + r1->npages);
  }
  CHECK_EQ_INT (s.roots, 2);
  CHECK_EQ_INT (s.unreferenced, 1 + r1->npages);
  CHECK_EQ_INT (s.deleted, 1 + r1->npages);
  CHECK (s.deleted_bytes > 0 && s.deleted_bytes == s.unreferenced_bytes);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK_EQ_INT (count (&e, "segments/"), segs - 1);
  CHECK_EQ_INT (count (&e, "pages/"), pages - r1->npages);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 0);
  pages_exist (&e, r1, 0);
  pages_exist (&e, r0, 1);
  CHECK (!exists (&e, seg1));
  CHECK (exists (&e, seg0));
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  fixture_check (e.st, &e.k, "vol", e.id[2], data[2], SIZE, CHUNK);
  /* Again: nothing more. */
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.unreferenced, 0);
  ox_root_free (r0);
  ox_root_free (r1);
  env_free (&e);
}

/* (c) With a grace period: condemned, waiting, then deleted once ripe. */
static void
test_grace (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_root *r1;
  size_t before, n;
  char key[OX_KEY_MAX] = "";
  void *text;
  size_t len;
  struct ox_gclist l;
  const char *why;

  env_new (&e, "grace", 2);
  r1 = root_of (&e, 1);
  n = 1 + r1->npages;
  forget (&e, 1);
  before = objects (&e);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.unreferenced, n);
  CHECK_EQ_INT (s.condemned, n);
  CHECK_EQ_INT (s.condemned_bytes, s.unreferenced_bytes);
  CHECK_EQ_INT (s.waiting, 0);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (objects (&e), before);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);

  /* The list names the forgotten snapshot's objects, condemned now. */
  CHECK_EQ_INT (ox_store_list (e.st, OX_CONDEMNED_PREFIX, first_key, key), 0);
  CHECK_EQ_INT (ox_store_get (e.st, key, &text, &len), 0);
  CHECK_EQ_INT (ox_gclist_parse (text, len, &l, &why), 0);
  free (text);
  CHECK_EQ_INT (l.n, n);
  CHECK (l.time + 60 > (uint64_t)time (NULL));
  for (size_t i = 0; i < l.n; i++)
    CHECK (exists (&e, l.keys[i]));

  /* Again with the same grace: waiting, no new list. */
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.waiting, n);
  CHECK_EQ_INT (s.waiting_bytes, s.unreferenced_bytes);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.lists_done, 0);
  CHECK_EQ_INT (objects (&e), before);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);

  /* Make the list two hours old: ripe for a grace of an hour. */
  {
    char *t2;
    size_t len2;
    CHECK_EQ_INT (ox_gclist_format (l.time - 7200, (const char *const *)l.keys,
                                    l.sizes, l.n, &t2, &len2),
                  0);
    CHECK_EQ_INT (ox_store_put (e.st, key, t2, len2), 0);
    free (t2);
  }
  /* Not yet ripe for a grace of three hours. */
  gc (&e, 3 * 3600, 0, &s);
  CHECK_EQ_INT (s.waiting, n);
  CHECK_EQ_INT (s.deleted, 0);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.waiting, 0);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK_EQ_INT (s.deleted, n);
  CHECK_EQ_INT (s.lists_done, 1);
  CHECK_EQ_INT (s.revived, 0);
  CHECK_EQ_INT (objects (&e), before - n);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 0);
  for (size_t i = 0; i < l.n; i++)
    CHECK (!exists (&e, l.keys[i]));
  pages_exist (&e, r1, 0);
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  ox_gclist_free (&l);
  ox_root_free (r1);
  env_free (&e);
}

/* A condemned list that names objects referenced again: revived, kept. */
static void
test_revived (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_root *r0 = NULL;
  uint8_t sid[OX_SEGMENT_ID_LEN];
  char seg[OX_KEY_MAX], page[OX_KEY_MAX];
  const char *keys[2] = { seg, page };
  uint64_t sizes[2] = { 1, 1 };
  char lkey[OX_KEY_MAX];
  char *text;
  size_t len, before;

  env_new (&e, "revived", 1);
  r0 = root_of (&e, 0);
  segment_of (&e, 0, sid, seg);
  ox_page_key (r0->pages[0], page);
  ox_gclist_key ((uint64_t)time (NULL) - 7200, (const uint8_t[4]){ 1 }, lkey);
  CHECK_EQ_INT (ox_gclist_format ((uint64_t)time (NULL) - 7200, keys, sizes, 2,
                                  &text, &len),
                0);
  CHECK_EQ_INT (ox_store_put (e.st, lkey, text, len), 0);
  free (text);
  before = objects (&e);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.revived, 2);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.lists_done, 1);
  CHECK_EQ_INT (objects (&e), before);
  CHECK (!exists (&e, lkey));
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  ox_root_free (r0);
  env_free (&e);
}

/* (f) A dry run counts but changes nothing. */
static void
test_dry_run (void)
{
  struct env e;
  struct ox_gc_stats s, wet;
  struct ox_root *r1;
  char *all, *after, lkey[OX_KEY_MAX], mkey[OX_KEY_MAX];
  uint8_t seg[OX_SEGMENT_ID_LEN] = { 0x77 };

  env_new (&e, "dry", 2);
  r1 = root_of (&e, 1);
  forget (&e, 1);
  gc (&e, 3600, 0, &s); /* condemns: a list */
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);
  /* Something of every kind to delete: an expired lease, a stale marker,
   * an orphan trace, and the list (ripe for a grace of 0). */
  put_lease (&e, 1, NULL, (uint64_t)time (NULL) - 3 * OX_LEASE_TTL, lkey);
  ox_partial_key ("vol", e.id[0] - 1, seg, mkey);
  CHECK_EQ_INT (ox_store_put (e.st, mkey, "", 0), 0);
  {
    char tkey[OX_KEY_MAX], sidhex[17];
    ox_snapshot_id_format (e.id[1], sidhex);
    snprintf (tkey, sizeof tkey, "volumes/vol/traces/%s", sidhex);
    CHECK_EQ_INT (ox_store_put (e.st, tkey, "trace", 5), 0);
  }
  all = everything (&e);
  gc (&e, 0, 1, &s);
  after = everything (&e);
  CHECK (strcmp (all, after) == 0);
  free (after);
  CHECK_EQ_INT (s.deleted, 1 + r1->npages);
  CHECK_EQ_INT (s.leases_expired, 1);
  CHECK_EQ_INT (s.markers, 1);
  CHECK_EQ_INT (s.traces, 1);
  CHECK_EQ_INT (s.lists_done, 1);
  /* With a grace: would condemn nothing new (all listed), wait. */
  gc (&e, 7200, 1, &s);
  after = everything (&e);
  CHECK (strcmp (all, after) == 0);
  free (after);
  CHECK_EQ_INT (s.waiting, 1 + r1->npages);
  CHECK_EQ_INT (s.deleted, 0);
  /* The real run does what the dry run said. */
  gc (&e, 0, 1, &s);
  gc (&e, 0, 0, &wet);
  CHECK_EQ_INT (wet.deleted, s.deleted);
  CHECK_EQ_INT (wet.deleted_bytes, s.deleted_bytes);
  CHECK_EQ_INT (wet.leases_expired, s.leases_expired);
  CHECK_EQ_INT (wet.markers, s.markers);
  CHECK_EQ_INT (wet.traces, s.traces);
  CHECK_EQ_INT (wet.lists_done, s.lists_done);
  after = everything (&e);
  CHECK (strcmp (all, after) != 0);
  CHECK (strstr (after, "volumes/vol/traces/") == NULL);
  CHECK (strstr (after, "/partial/") == NULL);
  CHECK (strstr (after, "gc/") == NULL);
  free (after);
  free (all);
  ox_root_free (r1);
  env_free (&e);
}

/* (g) Resume markers: one of an interrupted snapshot newer than the newest
 * root keeps its segment; once a later snapshot is published, the marker
 * goes and the segment with it. A marker older than OX_GC_PARTIAL_KEEP
 * goes too. */
static void
test_markers (void)
{
  struct env e;
  struct ox_gc_stats s;
  uint8_t sid[OX_SEGMENT_ID_LEN], none[OX_SEGMENT_ID_LEN] = { 0xee };
  char seg[OX_KEY_MAX], mkey[OX_KEY_MAX], okey[OX_KEY_MAX];
  uint64_t old_id
      = (((uint64_t)time (NULL) - OX_GC_PARTIAL_KEEP - 10) << 24) | 1;
  struct ox_root *r1;

  env_new (&e, "markers", 2);
  r1 = root_of (&e, 1);
  segment_of (&e, 1, sid, seg);
  /* Snapshot 1 "interrupted": its root gone, its segment marked by a
   * snapshot id newer than the newest root's. */
  forget (&e, 1);
  ox_partial_key ("vol", e.id[0] + 1, sid, mkey);
  CHECK_EQ_INT (ox_store_put (e.st, mkey, "", 0), 0);
  /* An old marker of another volume's snapshot. */
  ox_partial_key ("other", old_id, none, okey);
  CHECK_EQ_INT (ox_store_put (e.st, okey, "", 0), 0);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.markers, 1);
  CHECK (!exists (&e, okey));
  CHECK (exists (&e, mkey));
  CHECK (exists (&e, seg));
  CHECK_EQ_INT (s.deleted, r1->npages); /* its pages, not its segment */
  pages_exist (&e, r1, 0);

  /* A later snapshot published: the marker is stale. */
  {
    struct fixture_image img = { .data = data[2], .size = SIZE };
    e.id[2] = fixture_snapshot (e.st, &e.k, "vol", &img, CHUNK);
    CHECK (e.id[2] > e.id[0] + 1);
  }
  /* The stale marker goes first; its segment stays in that run (a writer
   * may have read the marker before), and is condemned by the next. */
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.markers, 1);
  CHECK_EQ_INT (s.condemned, 0);
  CHECK (!exists (&e, mkey));
  CHECK (exists (&e, seg));
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.markers, 0);
  CHECK_EQ_INT (s.condemned, 1);
  CHECK (exists (&e, seg));
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.markers, 0);
  CHECK_EQ_INT (s.deleted, 1);
  CHECK (!exists (&e, seg));
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  fixture_check (e.st, &e.k, "vol", e.id[2], data[2], SIZE, CHUNK);
  ox_root_free (r1);
  env_free (&e);
}

/* (h) Traces: an orphan's goes, a live snapshot's (or a pinned one's)
 * stays. */
static void
test_traces (void)
{
  struct env e;
  struct ox_gc_stats s;
  char t0[OX_KEY_MAX], t1[OX_KEY_MAX], t2[OX_KEY_MAX], lkey[OX_KEY_MAX];
  char hex[17];
  struct ox_root *r2;

  env_new (&e, "traces", 3);
  r2 = root_of (&e, 2);
  for (int i = 0; i < 3; i++) {
    char *key = i == 0 ? t0 : i == 1 ? t1 : t2;
    ox_snapshot_id_format (e.id[i], hex);
    snprintf (key, OX_KEY_MAX, "volumes/vol/traces/%s", hex);
    CHECK_EQ_INT (ox_store_put (e.st, key, "any bytes", 9), 0);
  }
  forget (&e, 1);
  forget (&e, 2);
  put_lease (&e, 1, r2, (uint64_t)time (NULL), lkey);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.traces, 1);
  CHECK (exists (&e, t0));
  CHECK (!exists (&e, t1));
  CHECK (exists (&e, t2));
  CHECK_EQ_INT (ox_store_del (e.st, lkey), 0);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.traces, 1);
  CHECK (exists (&e, t0));
  CHECK (!exists (&e, t2));
  ox_root_free (r2);
  env_free (&e);
}

/* (i) A root that cannot be read stops the run: nothing deleted. */
static void
test_bad_root (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_gc_options o = { .grace = 0, .jobs = 2 };
  char key[OX_KEY_MAX], lkey[OX_KEY_MAX], *all, *after;

  env_new (&e, "badroot", 3);
  forget (&e, 2);
  put_lease (&e, 1, NULL, (uint64_t)time (NULL) - 3 * OX_LEASE_TTL, lkey);
  ox_root_key ("vol", e.id[0], key);
  CHECK_EQ_INT (ox_store_put (e.st, key, "garbage", 7), 0);
  all = everything (&e);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_gc_run (e.st, &e.k, &o, &s), -1);
  CHECK_ERROR ("cannot be read");
  CHECK_EQ_INT (s.deleted, 0);
  after = everything (&e);
  CHECK (strcmp (all, after) == 0);
  free (after);
  free (all);
  env_free (&e);
}

/* A page of a root that is missing stops the run too. */
static void
test_missing_page (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_gc_options o = { .grace = 0, .jobs = 2 };
  struct ox_root *r0;
  char key[OX_KEY_MAX], *all, *after;

  env_new (&e, "nopage", 2);
  r0 = root_of (&e, 0);
  forget (&e, 1);
  ox_page_key (r0->pages[0], key);
  CHECK_EQ_INT (ox_store_del (e.st, key), 0);
  all = everything (&e);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_gc_run (e.st, &e.k, &o, &s), -1);
  CHECK_ERROR ("deleting nothing");
  after = everything (&e);
  CHECK (strcmp (all, after) == 0);
  free (after);
  free (all);
  ox_root_free (r0);
  env_free (&e);
}

/* A list not yet ripe that names an object referenced again is written
 * anew without it: the object's grace starts again when it is condemned
 * again. */
static void
test_relist (void)
{
  struct env e;
  struct ox_gc_stats s;
  uint8_t sid[OX_SEGMENT_ID_LEN];
  char seg[OX_KEY_MAX], lkey[OX_KEY_MAX];
  static const char gone[] = "pages/00/"
                             "00000000000000000000000000000000"
                             "00000000000000000000000000000000";
  const char *keys[2] = { seg, gone };
  uint64_t sizes[2] = { 1, 2 };
  char *text;
  size_t len;

  env_new (&e, "relist", 1);
  segment_of (&e, 0, sid, seg);
  ox_gclist_key ((uint64_t)time (NULL) - 60, (const uint8_t[4]){ 1 }, lkey);
  CHECK_EQ_INT (ox_gclist_format ((uint64_t)time (NULL) - 60, keys, sizes, 2,
                                  &text, &len),
                0);
  CHECK_EQ_INT (ox_store_put (e.st, lkey, text, len), 0);
  free (text);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.revived, 1);
  CHECK (!exists (&e, lkey));
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);
  gc (&e, 3600, 0, &s);
  CHECK_EQ_INT (s.revived, 0);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  env_free (&e);
}

/* The decorator that turns the condemned list at PATH into a symbolic
 * link to itself just before the collector's second get (the second list's).
 */
struct breaker {
  const char *path;
  int gets;
};

static void
break_before (void *opaque, enum ox_store_op op, uint64_t bytes)
{
  struct breaker *b = opaque;

  (void)bytes;
  if (op == OX_OP_GET && b->gets++ == 1) {
    CHECK_EQ_INT (unlink (b->path), 0);
    CHECK_EQ_INT (symlink (b->path, b->path), 0); /* ELOOP */
  }
}

/* A condemned list that cannot be read (not missing) stops the run, after
 * one that was passed over (not valid): nothing deleted. */
static void
test_list_unreadable (void)
{
  static const struct ox_decorator_hooks hooks = { .before = break_before };
  const char *bad = OX_CONDEMNED_PREFIX "0000000000000000aaaaaaaa";
  const char *broken = OX_CONDEMNED_PREFIX "0000000000000001aaaaaaaa";
  struct env e;
  struct ox_gc_stats s;
  struct ox_gc_options o = { .grace = 0, .jobs = 2 };
  struct breaker b = { 0 };
  struct ox_store *wrapped;
  char path[4096], *all, *after, *text;
  size_t len;

  env_new (&e, "listerr", 2);
  forget (&e, 1);
  CHECK_EQ_INT (ox_store_put (e.st, bad, "not a list\n", 11), 0);
  CHECK_EQ_INT (ox_gclist_format (1, NULL, NULL, 0, &text, &len), 0);
  CHECK_EQ_INT (ox_store_put (e.st, broken, text, len), 0);
  free (text);
  snprintf (path, sizeof path, "%s/listerr/%s", tmp, broken);
  b.path = path;
  all = everything (&e);
  CHECK_EQ_INT (ox_store_decorate (e.st, &hooks, &b, &wrapped), 0);
  e.st = wrapped;
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_gc_run (e.st, &e.k, &o, &s), -1);
  CHECK_ERROR ("cannot open object " OX_CONDEMNED_PREFIX
               "0000000000000001aaaaaaaa");
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (unlink (path), 0);
  after = everything (&e);
  {
    /* The same but for the list turned into a link. */
    char *line = strstr (all, broken), *nl = strchr (line, '\n');
    memmove (line, nl + 1, strlen (nl + 1) + 1);
  }
  CHECK (strcmp (all, after) == 0);
  free (after);
  free (all);
  env_free (&e);
}

int
main (void)
{
  tmp = ox_test_tmpdir ("test-gc");
  ox_test_capture (0);
  for (int i = 0; i < NSNAP; i++)
    data[i] = ox_test_pattern (SIZE, 100 + (unsigned)i);
  test_nothing ();
  test_forgotten ();
  test_grace ();
  test_revived ();
  test_dry_run ();
  test_markers ();
  test_traces ();
  test_bad_root ();
  test_missing_page ();
  test_relist ();
  test_list_unreadable ();
  for (int i = 0; i < NSNAP; i++)
    free (data[i]);
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
