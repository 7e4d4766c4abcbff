/* Test the bytes of a lease (leasefmt.c, docs/FORMAT.md section 10): the
 * round trip with and without a pin and pages, the exact text of a small
 * lease, every way the parser refuses a lease, and when a lease is live. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leasefmt.h"
#include "testlib.h"

/* The text of the lease made by small (). */
static const char golden[]
    = "ox-lease 1\n"
      "kind clone\n"
      "host h1\n"
      "pid 42\n"
      "started 1000\n"
      "refreshed 1060\n"
      "ttl 900\n"
      "pin vol 0123456789abcdef\n"
      "page "
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

static uint8_t small_page[1][OX_ID_LEN];

/* A clone's lease pinning vol@0123456789abcdef with one page. */
static struct ox_lease_info
small (void)
{
  struct ox_lease_info l = { .kind = "clone",
                             .host = "h1",
                             .pid = 42,
                             .started = 1000,
                             .refreshed = 1060,
                             .ttl = 900,
                             .pinned = 1,
                             .volume = "vol",
                             .snap_id = UINT64_C (0x0123456789abcdef),
                             .npages = 1,
                             .pages = small_page };

  for (int i = 0; i < OX_ID_LEN; i++)
    small_page[0][i] = (uint8_t)i;
  return l;
}

/* Check that A and B (decoded) are the same lease. */
static void
same (const struct ox_lease_info *a, const struct ox_lease_info *b)
{
  CHECK (strcmp (a->kind, b->kind) == 0);
  CHECK (strcmp (a->host, b->host) == 0);
  CHECK_EQ_INT (a->pid, b->pid);
  CHECK_EQ_INT (a->started, b->started);
  CHECK_EQ_INT (a->refreshed, b->refreshed);
  CHECK_EQ_INT (a->ttl, b->ttl);
  CHECK_EQ_INT (a->pinned, b->pinned);
  if (a->pinned) {
    CHECK (strcmp (a->volume, b->volume) == 0);
    CHECK (a->snap_id == b->snap_id);
  }
  CHECK_EQ_INT (a->npages, b->npages);
  if (a->npages)
    CHECK_MEM (a->pages, b->pages, (size_t)a->npages * OX_ID_LEN);
}

/* Format L, parse the text back and compare. */
static void
round_trip (const struct ox_lease_info *l)
{
  char *text;
  size_t len;
  struct ox_lease_info back;
  const char *why = NULL;

  CHECK_EQ_INT (ox_lease_format (l, &text, &len), 0);
  CHECK (len > 0 && text[len - 1] == '\n');
  CHECK_EQ_INT (ox_lease_parse (text, len, &back, &why), 0);
  same (l, &back);
  ox_lease_info_free (&back);
  CHECK (back.pages == NULL && back.npages == 0);
  free (text);
}

/* TEXT (a C string) must be refused with WANT in *WHY, reporting
 * nothing. */
static void
refused (const char *text, const char *want)
{
  struct ox_lease_info l;
  const char *why = NULL;

  ox_test_reset_log ();
  errno = 0;
  CHECK_EQ_INT (ox_lease_parse (text, strlen (text), &l, &why), -1);
  CHECK_EQ_INT (errno, EINVAL);
  if (why == NULL || strstr (why, want) == NULL) {
    fprintf (stderr, "refused \"%s\": why \"%s\", want \"%s\"\n", text,
             why ? why : "(null)", want);
    exit (1);
  }
  CHECK (l.pages == NULL && l.npages == 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
}

/* The head of a valid lease, the fields before the pin. */
#define HEAD                                                                  \
  "ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted 2\nrefreshed 3\nttl 4\n"
#define PAGE0                                                                 \
  "page "                                                                     \
  "0000000000000000000000000000000000000000000000000000000000000000\n"

static void
test_round_trip (void)
{
  struct ox_lease_info l = small (), bare;
  uint8_t pages[300][OX_ID_LEN];

  /* With a pin and a page. */
  round_trip (&l);
  /* With a pin and no pages. */
  l.npages = 0;
  l.pages = NULL;
  round_trip (&l);
  /* With many pages. */
  for (int i = 0; i < 300; i++)
    ox_test_fill (pages[i], OX_ID_LEN, (unsigned)i + 1);
  l.npages = 300;
  l.pages = pages;
  round_trip (&l);
  /* Without a pin, the largest numbers and the longest words. */
  memset (&bare, 0, sizeof bare);
  memset (bare.kind, 'k', OX_LEASE_KIND_MAX);
  memset (bare.host, 'h', OX_LEASE_HOST_MAX);
  bare.pid = UINT64_C (9999999999999999999);
  bare.started = 0;
  bare.refreshed = UINT64_C (1) << 40;
  bare.ttl = OX_LEASE_TTL;
  round_trip (&bare);
}

static void
test_golden (void)
{
  struct ox_lease_info l = small (), back;
  char *text;
  size_t len;
  const char *why;

  CHECK_EQ_INT (ox_lease_format (&l, &text, &len), 0);
  CHECK_EQ_INT (len, strlen (golden));
  CHECK_MEM (text, golden, len);
  free (text);
  /* And the golden text parses to the lease. */
  CHECK_EQ_INT (ox_lease_parse (golden, strlen (golden), &back, &why), 0);
  same (&l, &back);
  ox_lease_info_free (&back);
  /* Without a pin: no pin line. */
  l.pinned = 0;
  l.npages = 0;
  CHECK_EQ_INT (ox_lease_format (&l, &text, &len), 0);
  CHECK (len == strlen (golden) - strlen (strstr (golden, "pin ")));
  CHECK_MEM (text, golden, len);
  free (text);
}

static void
test_refusals (void)
{
  /* The valid texts used below are accepted. */
  {
    struct ox_lease_info l;
    const char *why;
    CHECK_EQ_INT (ox_lease_parse (HEAD, strlen (HEAD), &l, &why), 0);
    CHECK_EQ_INT (l.pinned, 0);
    ox_lease_info_free (&l);
    const char *p = HEAD "pin vol 0000000000000001\n" PAGE0;
    CHECK_EQ_INT (ox_lease_parse (p, strlen (p), &l, &why), 0);
    CHECK_EQ_INT (l.pinned, 1);
    CHECK_EQ_INT (l.npages, 1);
    ox_lease_info_free (&l);
  }
  /* Magic. */
  refused ("", "magic");
  refused ("ox-lease 1", "magic");
  refused ("ox-lease 2\nkind snapshot\n", "magic");
  refused ("OX-LEASE 1\nkind snapshot\n", "magic");
  /* A field twice. */
  refused (HEAD "kind clone\n", "twice");
  refused (HEAD "ttl 4\n", "twice");
  refused (HEAD "pin vol 0000000000000001\npin vol 0000000000000001\n",
           "twice");
  /* A field missing. */
  refused ("ox-lease 1\n", "missing");
  refused ("ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted 2\n"
           "refreshed 3\n",
           "missing");
  refused ("ox-lease 1\nhost h\npid 1\nstarted 2\nrefreshed 3\nttl 4\n",
           "missing");
  /* An unknown field, a line without a value. */
  refused (HEAD "colour blue\n", "unknown");
  refused (HEAD "averyveryverylongfieldname 1\n", "unknown");
  refused (HEAD "Kind snapshot\n", "unknown");
  refused (HEAD "ttl\n", "without a value");
  refused (HEAD "\n", "without a value");
  /* Bad numbers. */
  refused ("ox-lease 1\nkind snapshot\nhost h\npid x\nstarted 2\n"
           "refreshed 3\nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind snapshot\nhost h\npid -1\nstarted 2\n"
           "refreshed 3\nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted \n"
           "refreshed 3\nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted 2\n"
           "refreshed 3 \nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted 2\n"
           "refreshed 3\nttl 99999999999999999999\n",
           "bad value");
  /* Bad words. */
  refused ("ox-lease 1\nkind snap shot\nhost h\npid 1\nstarted 2\n"
           "refreshed 3\nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind snapshot\nhost \nstarted 2\npid 1\n"
           "refreshed 3\nttl 4\n",
           "bad value");
  refused ("ox-lease 1\nkind aaaaaaaaaaaaaaaaa\nhost h\npid 1\nstarted 2\n"
           "refreshed 3\nttl 4\n",
           "bad value");
  /* A page before the pin, bad page ids. */
  refused (HEAD PAGE0 "pin vol 0000000000000001\n", "before the pin");
  refused (HEAD "pin vol 0000000000000001\npage 00\n", "bad page id");
  refused (HEAD "pin vol 0000000000000001\npage "
                "000000000000000000000000000000000000000000000000000000000000"
                "000g\n",
           "bad page id");
  refused (HEAD "pin vol 0000000000000001\npage "
                "000000000000000000000000000000000000000000000000000000000000"
                "00000\n",
           "bad page id");
  /* Bad pins: volume names, ids. */
  refused (HEAD "pin a/b 0000000000000001\n", "bad value");
  refused (HEAD "pin .. 0000000000000001\n", "bad value");
  refused (HEAD "pin v@l 0000000000000001\n", "bad value");
  refused (HEAD "pin vol\n", "bad value");
  refused (HEAD "pin vol 000000000000001\n", "bad value");
  refused (HEAD "pin vol 000000000000000x\n", "bad value");
  refused (HEAD "pin vol 00000000000000001\n", "bad value");
  /* The last line not ended. */
  refused ("ox-lease 1\nkind snapshot\nhost h\npid 1\nstarted 2\n"
           "refreshed 3\nttl 4",
           "not ended");
  refused (HEAD "pin vol 0000000000000001", "not ended");
}

static void
test_live (void)
{
  struct ox_lease_info l = small ();

  CHECK (ox_lease_live (&l, 1060));
  CHECK (ox_lease_live (&l, 1060 + 900 - 1));
  CHECK (!ox_lease_live (&l, 1060 + 900));
  CHECK (!ox_lease_live (&l, 1060 + 900 + 1));
  CHECK (!ox_lease_live (&l, UINT64_MAX));
  /* Refreshed "in the future": live. */
  CHECK (ox_lease_live (&l, 0));
  CHECK (ox_lease_live (&l, 1059));
  /* Refreshed so far in the future that refreshed + ttl wraps: live. */
  l.refreshed = UINT64_MAX - 10;
  CHECK (ox_lease_live (&l, 1060));
  CHECK (ox_lease_live (&l, UINT64_MAX - 11));
  CHECK (ox_lease_live (&l, UINT64_MAX));
  l.refreshed = 1060;
  /* The largest ttl a lease can carry (19 digits). */
  l.ttl = UINT64_C (9999999999999999999);
  l.refreshed = UINT64_C (9999999999999999999);
  CHECK (ox_lease_live (&l, UINT64_MAX));
  l.refreshed = 1060;
  /* A ttl of 0 is never live. */
  l.ttl = 0;
  CHECK (!ox_lease_live (&l, 1060));
}

int
main (void)
{
  ox_test_capture (0);
  test_round_trip ();
  test_golden ();
  test_refusals ();
  test_live ();
  return 0;
}
