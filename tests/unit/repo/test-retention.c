/* Unit test: retention policies (retention.h), against hand-computed
 * cases with restic's semantics: buckets across hours, days, ISO weeks,
 * months and years, unlimited counts, the oldest snapshot, tags, ties, an
 * empty policy; buckets in local time. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retention.h"
#include "testlib.h"

/* Seconds since the epoch of a UTC date and time. */
static int64_t
utc (int y, int mon, int d, int h, int min)
{
  struct tm tm = { .tm_year = y - 1900,
                   .tm_mon = mon - 1,
                   .tm_mday = d,
                   .tm_hour = h,
                   .tm_min = min };
  return (int64_t)timegm (&tm);
}

/* The snapshots of the main case, oldest first (ids ascending). */
enum { A, B, C, D, E, F, G, H, NITEMS };
static struct ox_retention_item items[NITEMS];
static const char *const tags_b[] = { "x", "y" };
static const char *const tags_d[] = { "keep-me" };

static void
make_items (void)
{
  /* A Tue 2025-12-30, ISO week 2026-01, December 2025.
   * B, C Fri 2026-01-02, one day, week 2026-01.
   * D, E Mon 2026-01-05 08:00 and 08:30, one hour, week 2026-02.
   * F Sun 2026-01-11, week 2026-02.
   * G Sun 2026-02-01, week 2026-05.   H Mon 2026-02-02, week 2026-06. */
  static const int when[NITEMS][5] = {
    { 2025, 12, 30, 10, 0 }, { 2026, 1, 2, 9, 0 },  { 2026, 1, 2, 18, 0 },
    { 2026, 1, 5, 8, 0 },    { 2026, 1, 5, 8, 30 }, { 2026, 1, 11, 23, 0 },
    { 2026, 2, 1, 12, 0 },   { 2026, 2, 2, 0, 30 },
  };
  memset (items, 0, sizeof items);
  for (int i = 0; i < NITEMS; i++) {
    items[i].id = 100 + i;
    items[i].time
        = utc (when[i][0], when[i][1], when[i][2], when[i][3], when[i][4]);
  }
  items[B].tags = tags_b;
  items[B].ntags = 2;
  items[D].tags = tags_d;
  items[D].ntags = 1;
}

/* Apply P to the main case and compare with WANT, one string of the
 * reasons (ox_retention_reasons_format) per item, A first. */
static void
check_policy (int line, const struct ox_retention_policy *p,
              const char *const want[NITEMS])
{
  struct ox_retention_result out[NITEMS];
  char buf[128];

  if (ox_retention_apply (p, items, NITEMS, out) != 0) {
    fprintf (stderr, "line %d: ox_retention_apply failed\n", line);
    exit (1);
  }
  for (int i = 0; i < NITEMS; i++) {
    ox_retention_reasons_format (&out[i], buf, sizeof buf);
    if (strcmp (buf, want[i]) != 0 || out[i].keep != (want[i][0] != '-')) {
      fprintf (stderr, "line %d: item %c: \"%s\" (keep %d), expected \"%s\"\n",
               line, 'A' + i, buf, out[i].keep, want[i]);
      exit (1);
    }
  }
}

#define POLICY(...) (&(struct ox_retention_policy){ __VA_ARGS__ })
#define WANT(...) ((const char *const[NITEMS]){ __VA_ARGS__ })

static void
test_buckets (void)
{
  /* Known ISO weeks: the year's edges. */
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2021, 1, 3, 12, 0)),
                202053);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2021, 1, 4, 0, 0)),
                202101);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2024, 12, 30, 0, 0)),
                202501);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2026, 12, 31, 0, 0)),
                202653);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2027, 1, 1, 0, 0)),
                202653);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, utc (2027, 1, 4, 0, 0)),
                202701);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_HOURLY, utc (2026, 2, 2, 0, 30)),
                2026020200);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_DAILY, utc (2026, 2, 2, 0, 30)),
                20260202);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_MONTHLY, utc (2026, 2, 2, 0, 30)),
                202602);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_YEARLY, utc (2026, 2, 2, 0, 30)),
                2026);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_LAST, 0), -1);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_TAG, 0), -1);

  /* The weeks agree with strftime's %G%V, every 13 hours over 30 years. */
  for (int64_t t = utc (2000, 1, 1, 0, 0); t < utc (2030, 1, 1, 0, 0);
       t += 13 * 3600) {
    time_t tt = (time_t)t;
    struct tm tm;
    char s[16];
    gmtime_r (&tt, &tm);
    strftime (s, sizeof s, "%G%V", &tm);
    CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_WEEKLY, t), atoll (s));
  }
}

static void
test_policies (void)
{
  make_items ();
  /*                      A, B, C, D, E, F, G, H */
  check_policy (__LINE__, POLICY (.last = 3),
                WANT ("-", "-", "-", "-", "-", "last", "last", "last"));
  check_policy (
      __LINE__, POLICY (.last = -1),
      WANT ("last", "last", "last", "last", "last", "last", "last", "last"));
  check_policy (
      __LINE__, POLICY (.last = 100),
      WANT ("last", "last", "last", "last", "last", "last", "last", "last"));
  /* One per day, the newest of each day: C of B and C, E of D and E. */
  check_policy (__LINE__, POLICY (.daily = 3),
                WANT ("-", "-", "-", "-", "-", "daily", "daily", "daily"));
  check_policy (
      __LINE__, POLICY (.daily = 5),
      WANT ("-", "-", "daily", "-", "daily", "daily", "daily", "daily"));
  check_policy (
      __LINE__, POLICY (.daily = 6),
      WANT ("daily", "-", "daily", "-", "daily", "daily", "daily", "daily"));
  check_policy (
      __LINE__, POLICY (.daily = -1),
      WANT ("daily", "-", "daily", "-", "daily", "daily", "daily", "daily"));
  /* Hours: D and E share 08:00-09:00. */
  check_policy (__LINE__, POLICY (.hourly = 100),
                WANT ("hourly", "hourly", "hourly", "-", "hourly", "hourly",
                      "hourly", "hourly"));
  check_policy (__LINE__, POLICY (.hourly = 2),
                WANT ("-", "-", "-", "-", "-", "-", "hourly", "hourly"));
  /* ISO weeks: H 06, G 05, F E D 02, C B A 01 (A is in 2025 but in
   * week 2026-01). With a count left, the oldest (A) is kept too. */
  check_policy (
      __LINE__, POLICY (.weekly = 4),
      WANT ("-", "-", "weekly", "-", "-", "weekly", "weekly", "weekly"));
  check_policy (__LINE__, POLICY (.weekly = 5),
                WANT ("oldest-weekly", "-", "weekly", "-", "-", "weekly",
                      "weekly", "weekly"));
  check_policy (__LINE__, POLICY (.weekly = -1),
                WANT ("oldest-weekly", "-", "weekly", "-", "-", "weekly",
                      "weekly", "weekly"));
  /* Months: H and G February, F to B January, A December. */
  check_policy (
      __LINE__, POLICY (.monthly = -1),
      WANT ("monthly", "-", "-", "-", "-", "monthly", "-", "monthly"));
  check_policy (__LINE__, POLICY (.monthly = 2),
                WANT ("-", "-", "-", "-", "-", "monthly", "-", "monthly"));
  check_policy (__LINE__, POLICY (.yearly = 1),
                WANT ("-", "-", "-", "-", "-", "-", "-", "yearly"));
  check_policy (__LINE__, POLICY (.yearly = 5),
                WANT ("yearly", "-", "-", "-", "-", "-", "-", "yearly"));
  /* Rules combine; each counts on its own. */
  check_policy (__LINE__, POLICY (.last = 1, .daily = 2, .monthly = 2),
                WANT ("-", "-", "-", "-", "-", "monthly", "daily",
                      "last,daily,monthly"));
  check_policy (
      __LINE__,
      POLICY (.last = 2, .daily = 7, .weekly = 4, .monthly = 12, .yearly = -1),
      WANT ("daily,monthly,yearly", "-", "daily,weekly", "-", "daily",
            "daily,weekly,monthly", "last,daily,weekly",
            "last,daily,weekly,monthly,yearly"));
  /* Tags: any of the policy's tags keeps a snapshot, uncounted. */
  static const char *const yz[] = { "y", "z" };
  static const char *const keepme[] = { "keep-me" };
  static const char *const none[] = { "nosuch" };
  check_policy (__LINE__, POLICY (.tags = yz, .ntags = 2),
                WANT ("-", "tag", "-", "-", "-", "-", "-", "-"));
  check_policy (__LINE__, POLICY (.last = 1, .tags = keepme, .ntags = 1),
                WANT ("-", "-", "-", "tag", "-", "-", "-", "last"));
  check_policy (
      __LINE__, POLICY (.daily = 5, .tags = keepme, .ntags = 1),
      WANT ("-", "-", "daily", "tag", "daily", "daily", "daily", "daily"));
  check_policy (__LINE__, POLICY (.tags = none, .ntags = 1),
                WANT ("-", "-", "-", "-", "-", "-", "-", "-"));
}

/* The oldest snapshot in the bucket of the last one kept: kept while the
 * rule has a count left; the items in any order, decisions in that order. */
static void
test_oldest_and_order (void)
{
  struct ox_retention_item two[2] = {
    { .id = 2, .time = utc (2026, 1, 2, 18, 0) },
    { .id = 1, .time = utc (2026, 1, 2, 9, 0) },
  };
  struct ox_retention_result out[2];
  char buf[64];

  CHECK (ox_retention_apply (POLICY (.daily = 10), two, 2, out) == 0);
  CHECK (out[0].keep && out[0].reasons == OX_KEEP_DAILY && !out[0].oldest);
  CHECK (out[1].keep && out[1].reasons == OX_KEEP_DAILY
         && out[1].oldest == OX_KEEP_DAILY);
  CHECK (strcmp (ox_retention_reasons_format (&out[1], buf, sizeof buf),
                 "oldest-daily")
         == 0);
  CHECK (ox_retention_apply (POLICY (.daily = 1), two, 2, out) == 0);
  CHECK (out[0].keep && !out[1].keep && out[1].reasons == 0);

  /* Shuffled input: the same decisions, by item. */
  make_items ();
  struct ox_retention_item shuffled[NITEMS];
  static const int perm[NITEMS] = { F, A, H, C, E, B, G, D };
  for (int i = 0; i < NITEMS; i++)
    shuffled[i] = items[perm[i]];
  struct ox_retention_result res[NITEMS];
  CHECK (ox_retention_apply (POLICY (.daily = 5), shuffled, NITEMS, res) == 0);
  for (int i = 0; i < NITEMS; i++) {
    int want = perm[i] == C || perm[i] >= E;
    CHECK_EQ_INT (res[i].keep, want);
  }
}

/* Equal times: the greater id is the newer. */
static void
test_ties (void)
{
  int64_t t = utc (2026, 3, 1, 12, 0);
  struct ox_retention_item tie[3] = {
    { .id = 10, .time = t },
    { .id = 12, .time = t },
    { .id = 11, .time = t },
  };
  struct ox_retention_result out[3];

  CHECK (ox_retention_apply (POLICY (.last = 1), tie, 3, out) == 0);
  CHECK (!out[0].keep && out[1].keep && !out[2].keep);
  CHECK (ox_retention_apply (POLICY (.last = 2), tie, 3, out) == 0);
  CHECK (!out[0].keep && out[1].keep && out[2].keep);
  /* One day: the newest kept for the day, the oldest (id 10) as oldest. */
  CHECK (ox_retention_apply (POLICY (.daily = 2), tie, 3, out) == 0);
  CHECK (out[0].keep && out[0].oldest == OX_KEEP_DAILY);
  CHECK (out[1].keep && !out[1].oldest);
  CHECK (!out[2].keep);
}

static void
test_errors (void)
{
  struct ox_retention_result out[1];
  struct ox_retention_item one = { .id = 1, .time = 0 };

  ox_test_reset_log ();
  CHECK (ox_retention_policy_empty (POLICY (.last = 0)));
  CHECK (!ox_retention_policy_empty (POLICY (.yearly = -1)));
  CHECK (ox_retention_apply (POLICY (.last = 0), &one, 1, out) == -1);
  ox_test_check_error (__FILE__, __LINE__,
                       "no policy given: nothing would "
                       "be kept");
  CHECK (ox_retention_apply (POLICY (.daily = -2), &one, 1, out) == -1);
  ox_test_check_error (__FILE__, __LINE__, "--keep-daily -2");
  /* An empty policy is refused even with no snapshots; none is fine. */
  CHECK (ox_retention_apply (POLICY (0), NULL, 0, out) == -1);
  CHECK (ox_retention_apply (POLICY (.last = 1), NULL, 0, out) == 0);
}

static void
test_format (void)
{
  char buf[128];
  struct ox_retention_result r = { 0, 0, 0 };

  CHECK (strcmp (ox_retention_reasons_format (&r, buf, sizeof buf), "-") == 0);
  r = (struct ox_retention_result){ 1, OX_KEEP_TAG | OX_KEEP_LAST, 0 };
  CHECK (strcmp (ox_retention_reasons_format (&r, buf, sizeof buf), "last,tag")
         == 0);
  r = (struct ox_retention_result){ 1, 0x7f, OX_KEEP_YEARLY };
  CHECK (strcmp (ox_retention_reasons_format (&r, buf, sizeof buf),
                 "last,hourly,daily,weekly,monthly,oldest-yearly,tag")
         == 0);
  /* Truncated, still a string. */
  ox_retention_reasons_format (&r, buf, 8);
  CHECK (strlen (buf) < 8);
  CHECK (strcmp (ox_retention_reason_name (OX_KEEP_WEEKLY), "weekly") == 0);
  CHECK (ox_retention_reason_name (0) == NULL);
  CHECK (ox_retention_reason_name (OX_KEEP_LAST | OX_KEEP_TAG) == NULL);
}

/* Buckets follow the local time zone, as restic's. */
static void
test_local_time (void)
{
  /* 03:00 UTC on January 2 is 22:00 on January 1 five hours west. */
  int64_t t = utc (2026, 1, 2, 3, 0);

  setenv ("TZ", "EST5", 1);
  tzset ();
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_DAILY, t), 20260101);
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_HOURLY, t), 2026010122);
  setenv ("TZ", "UTC", 1);
  tzset ();
  CHECK_EQ_INT (ox_retention_bucket (OX_KEEP_DAILY, t), 20260102);
}

int
main (void)
{
  setenv ("TZ", "UTC", 1);
  tzset ();
  ox_test_capture (0);
  test_buckets ();
  test_policies ();
  test_oldest_and_order ();
  test_ties ();
  test_errors ();
  test_format ();
  test_local_time ();
  return 0;
}
