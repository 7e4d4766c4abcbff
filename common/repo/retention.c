/* ox: retention policies (see retention.h), after restic's
 * internal/data/snapshot_policy.go: the same walk, buckets and counts,
 * without restic's --keep-within rules. */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* The rules that count, in the order of their reason bits. */
static const char *const reason_names[OX_RETENTION_NREASONS]
    = { "last", "hourly", "daily", "weekly", "monthly", "yearly", "tag" };

int
ox_retention_policy_empty (const struct ox_retention_policy *p)
{
  return p->last == 0 && p->hourly == 0 && p->daily == 0 && p->weekly == 0
         && p->monthly == 0 && p->yearly == 0 && p->ntags == 0;
}

int
ox_retention_policy_check (const struct ox_retention_policy *p)
{
  const int counts[]
      = { p->last, p->hourly, p->daily, p->weekly, p->monthly, p->yearly };

  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    if (counts[i] < OX_RETENTION_UNLIMITED) {
      ox_error ("--keep-%s %d: a count is a number of snapshots, or -1 for "
                "all",
                reason_names[i], counts[i]);
      errno = EINVAL;
      return -1;
    }
  if (ox_retention_policy_empty (p)) {
    ox_error ("no policy given: nothing would be kept (give --keep-last, "
              "--keep-daily, ... or --keep-tag)");
    errno = EINVAL;
    return -1;
  }
  return 0;
}

const char *
ox_retention_reason_name (unsigned reason)
{
  for (int i = 0; i < OX_RETENTION_NREASONS; i++)
    if (reason == 1u << i)
      return reason_names[i];
  return NULL;
}

char *
ox_retention_reasons_format (const struct ox_retention_result *r, char *buf,
                             size_t len)
{
  size_t used = 0;

  if (len == 0)
    return buf;
  buf[0] = '\0';
  for (int i = 0; i < OX_RETENTION_NREASONS; i++) {
    unsigned bit = 1u << i;
    int k;
    if (!(r->reasons & bit))
      continue;
    k = snprintf (buf + used, len - used, "%s%s%s", used ? "," : "",
                  r->oldest & bit ? "oldest-" : "", reason_names[i]);
    if (k < 0 || (size_t)k >= len - used)
      return buf; /* truncated */
    used += (size_t)k;
  }
  if (used == 0)
    snprintf (buf, len, "-");
  return buf;
}

/* Whether year Y (proleptic Gregorian) has 53 ISO weeks: it does when it
 * starts on a Thursday, or is a leap year starting on a Wednesday. */
static int
iso_long_year (long y)
{
  /* Day of the week of December 31 of year Y, 0 = Sunday ... 6. */
#define DEC31(y) ((((y) + (y) / 4 - (y) / 100 + (y) / 400) % 7 + 7) % 7)
  return DEC31 (y) == 4 || DEC31 (y - 1) == 3;
#undef DEC31
}

int64_t
ox_retention_bucket (unsigned reason, int64_t time)
{
  time_t t = (time_t)time;
  struct tm tm;
  int64_t year, week, wday;

  if (localtime_r (&t, &tm) == NULL)
    return -1;
  year = (int64_t)tm.tm_year + 1900;
  switch (reason) {
  case OX_KEEP_HOURLY:
    return year * 1000000 + (tm.tm_mon + 1) * 10000 + tm.tm_mday * 100
           + tm.tm_hour;
  case OX_KEEP_DAILY:
    return year * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
  case OX_KEEP_WEEKLY:
    /* ISO 8601: weeks start on Monday, week 1 holds the year's first
     * Thursday. */
    wday = tm.tm_wday == 0 ? 7 : tm.tm_wday; /* Monday 1 .. Sunday 7 */
    week = (tm.tm_yday + 1 - wday + 10) / 7;
    if (week < 1) {
      year--;
      week = iso_long_year (year) ? 53 : 52;
    } else if (week == 53 && !iso_long_year (year)) {
      year++;
      week = 1;
    }
    return year * 100 + week;
  case OX_KEEP_MONTHLY:
    return year * 100 + tm.tm_mon + 1;
  case OX_KEEP_YEARLY:
    return year;
  default:
    return -1;
  }
}

/* Newest first: by time, then by id (greater is newer). */
static int
compare_newest_first (const void *a, const void *b, void *opaque)
{
  const struct ox_retention_item *items = opaque;
  const struct ox_retention_item *x = &items[*(const size_t *)a];
  const struct ox_retention_item *y = &items[*(const size_t *)b];

  if (x->time != y->time)
    return x->time > y->time ? -1 : 1;
  if (x->id != y->id)
    return x->id > y->id ? -1 : 1;
  return 0;
}

/* True if ITEM has a tag of P. */
static int
has_policy_tag (const struct ox_retention_policy *p,
                const struct ox_retention_item *item)
{
  for (size_t i = 0; i < item->ntags; i++)
    for (size_t j = 0; j < p->ntags; j++)
      if (strcmp (item->tags[i], p->tags[j]) == 0)
        return 1;
  return 0;
}

int
ox_retention_apply (const struct ox_retention_policy *p,
                    const struct ox_retention_item *items, size_t n,
                    struct ox_retention_result *out)
{
  /* One rule per counted reason: the counts left (-1: unlimited) and the
   * bucket of the last snapshot the rule kept. */
  struct {
    unsigned reason;
    int left;
    int have_last;
    int64_t last;
  } rules[] = {
    { OX_KEEP_LAST, p->last, 0, 0 },       { OX_KEEP_HOURLY, p->hourly, 0, 0 },
    { OX_KEEP_DAILY, p->daily, 0, 0 },     { OX_KEEP_WEEKLY, p->weekly, 0, 0 },
    { OX_KEEP_MONTHLY, p->monthly, 0, 0 }, { OX_KEEP_YEARLY, p->yearly, 0, 0 },
  };
  size_t *order, nr;

  if (ox_retention_policy_check (p) == -1)
    return -1;
  if (n == 0)
    return 0;
  order = malloc (n * sizeof *order);
  if (order == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  for (nr = 0; nr < n; nr++)
    order[nr] = nr;
  qsort_r (order, n, sizeof *order, compare_newest_first, (void *)items);

  for (nr = 0; nr < n; nr++) {
    const struct ox_retention_item *cur = &items[order[nr]];
    struct ox_retention_result *res = &out[order[nr]];

    memset (res, 0, sizeof *res);
    if (p->ntags > 0 && has_policy_tag (p, cur))
      res->reasons |= OX_KEEP_TAG;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
      int64_t val;
      int oldest;

      if (rules[i].left == 0)
        continue; /* not used, or used up */
      /* "last" puts every snapshot in a bucket of its own. */
      val = rules[i].reason == OX_KEEP_LAST
                ? (int64_t)nr
                : ox_retention_bucket (rules[i].reason, cur->time);
      oldest = rules[i].have_last && val == rules[i].last;
      if (oldest && nr != n - 1)
        continue; /* the bucket already has its snapshot */
      /* A new bucket; or the oldest snapshot, kept while the rule has a
       * count left, for the longest history. */
      res->reasons |= rules[i].reason;
      if (oldest)
        res->oldest |= rules[i].reason;
      rules[i].have_last = 1;
      rules[i].last = val;
      if (rules[i].left > 0)
        rules[i].left--;
    }
    res->keep = res->reasons != 0;
  }
  free (order);
  return 0;
}
