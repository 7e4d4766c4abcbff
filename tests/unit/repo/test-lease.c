/* Test leases (lease.c) on a real file store: a lease taken is an object
 * under gc/leases/ that ox_lease_list returns live, with its kind, pid,
 * host and pin; it is valid at once and gone once dropped; garbage under
 * gc/leases/ is listed not live with a warning, and an old lease is listed
 * not live. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lease.h"
#include "manifest.h"
#include "store.h"
#include "testlib.h"

/* The number of leases listed in ST now; sets *V (free it). */
static size_t
list (struct ox_store *st, struct ox_lease_entry **v)
{
  size_t n;

  CHECK_EQ_INT (ox_lease_list (st, (uint64_t)time (NULL), v, &n), 0);
  return n;
}

/* This host's name as a lease records it. */
static void
my_host (char host[OX_LEASE_HOST_MAX + 1])
{
  memset (host, 0, OX_LEASE_HOST_MAX + 1);
  if (gethostname (host, OX_LEASE_HOST_MAX + 1) == -1 || host[0] == '\0')
    strcpy (host, "unknown");
  host[OX_LEASE_HOST_MAX] = '\0';
  for (char *p = host; *p; p++)
    if (*p <= ' ' || *p > '~')
      *p = '_';
}

static void
test_take_pinned (struct ox_store *st)
{
  uint8_t pages[3][OX_ID_LEN];
  struct ox_root root = { .snapshot_id = UINT64_C (0x0000123456abcdef),
                          .volume = "vol",
                          .npages = 3,
                          .pages = pages };
  struct ox_lease *l;
  struct ox_lease_entry *v;
  char host[OX_LEASE_HOST_MAX + 1];
  uint64_t before = (uint64_t)time (NULL);

  for (int i = 0; i < 3; i++)
    ox_test_fill (pages[i], OX_ID_LEN, 10 + (unsigned)i);
  my_host (host);
  CHECK_EQ_INT (list (st, &v), 0);
  ox_lease_list_free (v, 0);

  CHECK_EQ_INT (ox_lease_take (st, "clone", &root, &l), 0);
  CHECK_EQ_INT (ox_lease_valid (l), 1);
  CHECK_EQ_INT (list (st, &v), 1);
  CHECK (strncmp (v[0].key, OX_LEASE_PREFIX, strlen (OX_LEASE_PREFIX)) == 0);
  CHECK_EQ_INT (strlen (v[0].key), strlen (OX_LEASE_PREFIX) + 32);
  CHECK_EQ_INT (
      strspn (v[0].key + strlen (OX_LEASE_PREFIX), "0123456789abcdef"), 32);
  CHECK_EQ_INT (v[0].live, 1);
  CHECK (strcmp (v[0].info.kind, "clone") == 0);
  CHECK (strcmp (v[0].info.host, host) == 0);
  CHECK (v[0].info.pid == (uint64_t)getpid ());
  CHECK (v[0].info.ttl == OX_LEASE_TTL);
  CHECK (v[0].info.started >= before && v[0].info.started <= before + 5);
  CHECK (v[0].info.refreshed >= v[0].info.started);
  CHECK_EQ_INT (v[0].info.pinned, 1);
  CHECK (strcmp (v[0].info.volume, "vol") == 0);
  CHECK (v[0].info.snap_id == root.snapshot_id);
  CHECK_EQ_INT (v[0].info.npages, 3);
  CHECK_MEM (v[0].info.pages, pages, sizeof pages);
  ox_lease_list_free (v, 1);

  ox_lease_drop (l);
  CHECK_EQ_INT (list (st, &v), 0);
  ox_lease_list_free (v, 0);
}

static void
test_take_unpinned (struct ox_store *st)
{
  struct ox_lease *a, *b;
  struct ox_lease_entry *v;

  CHECK_EQ_INT (ox_lease_take (st, "snapshot", NULL, &a), 0);
  CHECK_EQ_INT (ox_lease_take (st, "restore", NULL, &b), 0);
  CHECK_EQ_INT (ox_lease_valid (a), 1);
  CHECK_EQ_INT (list (st, &v), 2);
  CHECK (strcmp (v[0].key, v[1].key) != 0);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT (v[i].live, 1);
    CHECK_EQ_INT (v[i].info.pinned, 0);
    CHECK_EQ_INT (v[i].info.npages, 0);
    CHECK (strcmp (v[i].info.kind, "snapshot") == 0
           || strcmp (v[i].info.kind, "restore") == 0);
  }
  CHECK (strcmp (v[0].info.kind, v[1].info.kind) != 0);
  ox_lease_list_free (v, 2);
  ox_lease_drop (a);
  CHECK_EQ_INT (list (st, &v), 1);
  CHECK (strcmp (v[0].info.kind, "restore") == 0);
  ox_lease_list_free (v, 1);
  ox_lease_drop (b);
  CHECK_EQ_INT (list (st, &v), 0);
  ox_lease_list_free (v, 0);
  ox_lease_drop (NULL);
}

static void
test_garbage_and_old (struct ox_store *st)
{
  struct ox_lease_info old = {
    .kind = "snapshot", .host = "elsewhere", .pid = 7, .ttl = OX_LEASE_TTL
  };
  uint64_t now = (uint64_t)time (NULL);
  const char *gkey = OX_LEASE_PREFIX "00000000000000000000000000000001";
  const char *okey = OX_LEASE_PREFIX "00000000000000000000000000000002";
  struct ox_lease_entry *v;
  char *text;
  size_t len;

  CHECK_EQ_INT (ox_store_put (st, gkey, "not a lease\n", 12), 0);
  old.started = now - 10000;
  old.refreshed = now - OX_LEASE_TTL;
  CHECK_EQ_INT (ox_lease_format (&old, &text, &len), 0);
  CHECK_EQ_INT (ox_store_put (st, okey, text, len), 0);
  free (text);

  ox_test_reset_log ();
  CHECK_EQ_INT (list (st, &v), 2);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_MESSAGE ("00000000000000000000000000000001");
  CHECK_MESSAGE ("bad magic");
  /* Listed in key order: the garbage, then the old lease. */
  CHECK (strcmp (v[0].key, gkey) == 0);
  CHECK_EQ_INT (v[0].live, 0);
  CHECK_EQ_INT (v[0].info.ttl, 0);
  CHECK_EQ_INT (v[0].info.pinned, 0);
  CHECK (v[0].info.kind[0] == '\0');
  CHECK (strcmp (v[1].key, okey) == 0);
  CHECK_EQ_INT (v[1].live, 0);
  CHECK (strcmp (v[1].info.host, "elsewhere") == 0);
  CHECK_EQ_INT (v[1].info.pid, 7);
  ox_lease_list_free (v, 2);

  /* One second younger, the old lease is live. */
  CHECK_EQ_INT (ox_lease_list (st, now - 1, &v, &len), 0);
  CHECK_EQ_INT (len, 2);
  CHECK_EQ_INT (v[0].live, 0);
  CHECK_EQ_INT (v[1].live, 1);
  ox_lease_list_free (v, 2);

  CHECK_EQ_INT (ox_store_del (st, gkey), 0);
  CHECK_EQ_INT (ox_store_del (st, okey), 0);
}

int
main (void)
{
  char *tmp = ox_test_tmpdir ("test-lease");
  struct ox_store *st;

  ox_test_capture (0);
  st = ox_test_file_store (ox_test_path (tmp, "store"));
  test_take_pinned (st);
  test_take_unpinned (st);
  test_garbage_and_old (st);
  CHECK_EQ_INT (ox_test_errors (), 0);
  ox_store_close (st);
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
