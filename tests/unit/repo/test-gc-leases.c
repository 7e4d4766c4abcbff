/* Test garbage collection (gc.c) while others work: live, expired,
 * unparsable and pinned leases, a root published while the collector
 * works (found by its second listing of the roots), and one published
 * after it (seen by the fence, which then deletes nothing). */
#include "gctest.h"

/* (d) A live unpinned lease blocks deletions (but not condemning); an
 * expired one does not, and goes. */
static void
test_blocking (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_root *r1;
  size_t before, n;
  uint64_t now = (uint64_t)time (NULL);
  char lkey[OX_KEY_MAX];

  env_new (&e, "blocking", 2);
  r1 = root_of (&e, 1);
  n = 1 + r1->npages;
  forget (&e, 1);
  before = objects (&e);
  put_lease (&e, 1, NULL, now, lkey);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.blocking, 1);
  CHECK (strstr (s.blocker, "snapshot by process 4242 on otherhost") != NULL);
  CHECK_EQ_INT (s.unreferenced, n);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.condemned, n);
  CHECK_EQ_INT (s.leases_expired, 0);
  CHECK_EQ_INT (objects (&e), before);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);
  CHECK (exists (&e, lkey));
  pages_exist (&e, r1, 1);

  /* Again: still blocked; the list is kept though ripe for a grace of 0. */
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.blocking, 1);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.waiting, n);
  CHECK_EQ_INT (s.lists_done, 0);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 1);

  /* A lease that cannot be parsed blocks (it may be a newer writer's) and
   * stays; a condemned list that cannot be parsed is passed over and
   * kept. */
  CHECK_EQ_INT (
      ox_store_put (e.st, OX_LEASE_PREFIX "junk", "not a lease\n", 12), 0);
  CHECK_EQ_INT (ox_store_put (e.st, OX_CONDEMNED_PREFIX "junk", "junk", 4), 0);
  ox_test_reset_log ();
  ox_store_del (e.st, lkey);
  gc (&e, 3600, 1, &s);
  CHECK_EQ_INT (s.blocking, 1);
  CHECK (strstr (s.blocker, "junk, which cannot be read") != NULL);
  CHECK_EQ_INT (s.leases_expired, 0);
  CHECK_EQ_INT (s.waiting, n);
  CHECK_EQ_INT (ox_test_warnings (), 3); /* the lease twice, the list */
  CHECK (exists (&e, OX_LEASE_PREFIX "junk"));
  CHECK (exists (&e, OX_CONDEMNED_PREFIX "junk"));
  CHECK_EQ_INT (ox_store_del (e.st, OX_LEASE_PREFIX "junk"), 0);
  CHECK_EQ_INT (ox_store_del (e.st, OX_CONDEMNED_PREFIX "junk"), 0);

  /* Expired (refreshed three ttls ago): not blocking, deleted. */
  put_lease (&e, 1, NULL, now - 3 * OX_LEASE_TTL, lkey);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.blocking, 0);
  CHECK_EQ_INT (s.deleted, n);
  CHECK_EQ_INT (s.leases_expired, 1);
  CHECK_EQ_INT (s.lists_done, 1);
  CHECK (!exists (&e, lkey));
  CHECK_EQ_INT (objects (&e), before - n);
  CHECK_EQ_INT (count (&e, OX_CONDEMNED_PREFIX), 0);
  pages_exist (&e, r1, 0);

  /* Lapsed but not yet expired (refreshed 1.5 ttls ago): neither blocks
   * nor goes. */
  put_lease (&e, 2, NULL, now - OX_LEASE_TTL - OX_LEASE_TTL / 2, lkey);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.blocking, 0);
  CHECK_EQ_INT (s.leases_expired, 0);
  CHECK (exists (&e, lkey));
  /* A lease of ours, taken through lease.c, blocks too. */
  {
    struct ox_lease *mine;
    CHECK_EQ_INT (ox_store_del (e.st, lkey), 0);
    CHECK_EQ_INT (ox_lease_take (e.st, "snapshot", NULL, &mine), 0);
    forget (&e, 0);
    gc (&e, 0, 0, &s);
    CHECK_EQ_INT (s.blocking, 1);
    CHECK_EQ_INT (s.deleted, 0);
    CHECK (s.condemned > 0);
    ox_lease_drop (mine);
    gc (&e, 0, 0, &s);
    CHECK_EQ_INT (s.blocking, 0);
    CHECK (s.deleted > 0);
    CHECK_EQ_INT (objects (&e), 0);
  }
  ox_root_free (r1);
  env_free (&e);
}

/* (e) A live pinned lease keeps a forgotten snapshot's objects; without
 * it, they go. */
static void
test_pinned (void)
{
  struct env e;
  struct ox_gc_stats s;
  struct ox_root *r1;
  size_t before, n;
  char lkey[OX_KEY_MAX], seg1[OX_KEY_MAX];
  uint8_t sid[OX_SEGMENT_ID_LEN];

  env_new (&e, "pinned", 2);
  r1 = root_of (&e, 1);
  segment_of (&e, 1, sid, seg1);
  n = 1 + r1->npages;
  forget (&e, 1);
  before = objects (&e);
  put_lease (&e, 1, r1, (uint64_t)time (NULL), lkey);
  ox_test_reset_log ();
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (ox_test_warnings () + ox_test_errors (), 0);
  CHECK_EQ_INT (s.pins, 1);
  CHECK_EQ_INT (s.roots, 1);
  CHECK_EQ_INT (s.blocking, 0);
  CHECK_EQ_INT (s.unreferenced, 0);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.live_pages + s.live_segments, before);
  CHECK_EQ_INT (objects (&e), before);
  pages_exist (&e, r1, 1);
  CHECK (exists (&e, seg1));

  /* An expired pin keeps nothing (and goes). */
  put_lease (&e, 1, r1, (uint64_t)time (NULL) - 3 * OX_LEASE_TTL, lkey);
  gc (&e, 0, 1, &s);
  CHECK_EQ_INT (s.pins, 0);
  CHECK_EQ_INT (s.unreferenced, n);
  CHECK_EQ_INT (s.leases_expired, 1);
  CHECK_EQ_INT (objects (&e), before);

  /* The lease removed: the objects go. */
  CHECK_EQ_INT (ox_store_del (e.st, lkey), 0);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.pins, 0);
  CHECK_EQ_INT (s.deleted, n);
  CHECK_EQ_INT (objects (&e), before - n);
  pages_exist (&e, r1, 0);
  CHECK (!exists (&e, seg1));
  fixture_check (e.st, &e.k, "vol", e.id[0], data[0], SIZE, CHUNK);
  ox_root_free (r1);
  env_free (&e);
}

/* The state of the decorator that publishes a snapshot of volume "a" just
 * before the collector's sixth listing (the second of volumes/: see the
 * order in ox_gc_run). */
struct publisher {
  struct ox_store *inner;
  const struct ox_keys *k;
  int lists;
  int at; /* publish before listing number AT + 1 (0: the 6th) */
  uint64_t id;
};

static void
publish_before (void *opaque, enum ox_store_op op, uint64_t bytes)
{
  struct publisher *p = opaque;
  struct fixture_image img = { .data = data[0], .size = SIZE };

  (void)bytes;
  if (op == OX_OP_LIST && p->lists++ == (p->at ? p->at : 5))
    p->id = fixture_snapshot (p->inner, p->k, "a", &img, CHUNK);
}

/* A root published while the collector works is found by its second
 * listing of the roots, and marked once. */
static void
test_published_during (void)
{
  static const struct ox_decorator_hooks hooks = { .before = publish_before };
  struct env e;
  struct ox_gc_stats s;
  struct publisher p = { 0 };
  struct ox_store *wrapped;
  size_t before;

  env_new (&e, "during", 3);
  for (int i = 3; i < 5; i++) {
    struct fixture_image img = { .data = data[i % NSNAP], .size = SIZE };
    fixture_snapshot (e.st, &e.k, "vol", &img, CHUNK);
  }
  before = objects (&e);
  p.inner = e.st;
  p.k = &e.k;
  CHECK_EQ_INT (ox_store_decorate (e.st, &hooks, &p, &wrapped), 0);
  e.st = wrapped;
  gc (&e, 0, 0, &s);
  CHECK (p.id != 0);
  CHECK_EQ_INT (s.roots, 6);
  CHECK_EQ_INT (s.objects, before);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK_EQ_INT (s.unreferenced, 0);
  fixture_check (e.st, &e.k, "a", p.id, data[0], SIZE, CHUNK);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.roots, 6);
  CHECK_EQ_INT (s.deleted, 0);
  env_free (&e);
}

/* A root published after the collector's second listing of the roots
 * (before the fence's lease listing, the 7th) is seen by the fence: the
 * run deletes nothing, since that writer may have written again objects
 * the run found unreferenced; the next run deletes. */
static void
test_fence (void)
{
  static const struct ox_decorator_hooks hooks = { .before = publish_before };
  struct env e;
  struct ox_gc_stats s;
  struct publisher p = { .at = 6 };
  struct ox_store *wrapped;

  env_new (&e, "fence", 3);
  forget (&e, 0);
  p.inner = e.st;
  p.k = &e.k;
  CHECK_EQ_INT (ox_store_decorate (e.st, &hooks, &p, &wrapped), 0);
  e.st = wrapped;
  gc (&e, 0, 0, &s);
  CHECK (p.id != 0);
  CHECK_EQ_INT (s.blocking, 1);
  CHECK (strstr (s.blocker, "was published during this run") != NULL);
  CHECK_EQ_INT (s.deleted, 0);
  CHECK (s.condemned > 0);
  gc (&e, 0, 0, &s);
  CHECK_EQ_INT (s.blocking, 0);
  CHECK (s.deleted > 0);
  fixture_check (e.st, &e.k, "a", p.id, data[0], SIZE, CHUNK);
  fixture_check (e.st, &e.k, "vol", e.id[1], data[1], SIZE, CHUNK);
  env_free (&e);
}

int
main (void)
{
  tmp = ox_test_tmpdir ("test-gc-leases");
  ox_test_capture (0);
  for (int i = 0; i < NSNAP; i++)
    data[i] = ox_test_pattern (SIZE, 100 + (unsigned)i);
  test_blocking ();
  test_pinned ();
  test_published_during ();
  test_fence ();
  for (int i = 0; i < NSNAP; i++)
    free (data[i]);
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
