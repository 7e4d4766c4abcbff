/* ox: retention policies: which snapshots of a volume "oxsnap forget
 * --keep-*" keeps, with restic's semantics of "restic forget --keep-*"
 * (oxsnap(1), forget). Pure: no store I/O; the caller gives each
 * snapshot's id, time and tags. */
#ifndef OX_RETENTION_H
#define OX_RETENTION_H

#include <stddef.h>
#include <stdint.h>

/* The value of a count that keeps every bucket (restic's -1). */
#define OX_RETENTION_UNLIMITED (-1)

/* What to keep. A count of 0 does not use its rule; OX_RETENTION_UNLIMITED
 * keeps one snapshot per bucket for all buckets. TAGS: keep every snapshot
 * that has any of them. */
struct ox_retention_policy {
  int last, hourly, daily, weekly, monthly, yearly;
  const char *const *tags;
  size_t ntags;
};

/* One snapshot of the volume: its id (ties in TIME are ordered by it,
 * greater is newer), its time in seconds since the epoch and its tags. */
struct ox_retention_item {
  uint64_t id;
  int64_t time;
  const char *const *tags;
  size_t ntags;
};

/* The reasons to keep a snapshot: a bitmask of these. */
enum ox_retention_reason {
  OX_KEEP_LAST = 1u << 0,
  OX_KEEP_HOURLY = 1u << 1,
  OX_KEEP_DAILY = 1u << 2,
  OX_KEEP_WEEKLY = 1u << 3,
  OX_KEEP_MONTHLY = 1u << 4,
  OX_KEEP_YEARLY = 1u << 5,
  OX_KEEP_TAG = 1u << 6,
};
#define OX_RETENTION_NREASONS 7

/* The decision for one item. REASONS is 0 exactly when KEEP is 0. OLDEST
 * is the subset of REASONS (hourly to yearly) that kept the item only as
 * the oldest snapshot while the rule still had a count left, not for a new
 * bucket (restic's "oldest daily snapshot"). */
struct ox_retention_result {
  int keep;
  unsigned reasons;
  unsigned oldest;
};

/* True if P keeps nothing: no count set and no tags. */
int ox_retention_policy_empty (const struct ox_retention_policy *p)
    __attribute__ ((__nonnull__));

/* Check P: every count is OX_RETENTION_UNLIMITED or >= 0, and P is not
 * empty ("no policy given: nothing would be kept"). Returns 0, or -1 with
 * an error reported and errno EINVAL. */
int ox_retention_policy_check (const struct ox_retention_policy *p)
    __attribute__ ((__nonnull__));

/* Apply policy P to the N snapshots ITEMS of one volume and set OUT[i]
 * for ITEMS[i] (any order in, decisions in the same order out). Snapshots
 * are walked newest first (time, then id); "last N" keeps the N newest;
 * each of hourly, daily, weekly (ISO 8601 weeks), monthly and yearly with
 * a count of N keeps, walking from newest to oldest, each snapshot whose
 * bucket (its hour, day, ... in local time) differs from that of the last
 * one the rule kept, until N are kept, and the oldest snapshot too if the
 * rule has a count left; a tag of P keeps every snapshot that has it.
 * Returns 0, or -1 (P fails ox_retention_policy_check, or out of memory;
 * reported). */
int ox_retention_apply (const struct ox_retention_policy *p,
                        const struct ox_retention_item *items, size_t n,
                        struct ox_retention_result *out)
    __attribute__ ((__nonnull__ (1)));

/* The name of the single reason bit REASON ("last", "hourly", "daily",
 * "weekly", "monthly", "yearly", "tag"), or NULL. */
const char *ox_retention_reason_name (unsigned reason);

/* Write the reasons of R as text into BUF of LEN bytes: the names of its
 * reasons in the order of the bits, comma-separated, an oldest one as
 * "oldest-daily" say; "-" when there are none. Returns BUF. */
char *ox_retention_reasons_format (const struct ox_retention_result *r,
                                   char *buf, size_t len)
    __attribute__ ((__nonnull__));

/* The bucket of TIME (seconds since the epoch) for the rule of reason bit
 * REASON (hourly to yearly), from its local time: YYYYMMDDHH, YYYYMMDD,
 * the ISO 8601 year*100 + week, YYYYMM or YYYY. -1 for another REASON or
 * a time localtime_r cannot convert. */
int64_t ox_retention_bucket (unsigned reason, int64_t time);

#endif
