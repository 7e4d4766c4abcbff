/* ox: the bytes of a lease, gc/leases/<32 hex> (docs/FORMAT.md, section
 * 10): a small text object by which a process that reads or writes a
 * store tells garbage collection that it is at work. A lease without a pin
 * holds off every deletion while it is live; a lease with a pin (a clone's
 * basis, a restore's snapshot) keeps that snapshot's pages and segments
 * alive, even when its root is forgotten. Pure: no store I/O (repo/lease.h
 * writes, refreshes and lists leases). */
#ifndef OX_LEASEFMT_H
#define OX_LEASEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "names.h"

#define OX_LEASE_PREFIX "gc/leases/"
#define OX_LEASE_TTL 900    /* seconds a lease stays live after a refresh */
#define OX_LEASE_REFRESH 60 /* seconds between refreshes */
#define OX_LEASE_HOST_MAX 64
#define OX_LEASE_KIND_MAX 16
#define OX_LEASE_MAX_PAGES (1u << 24) /* pages a pin names at most */

/* A lease, decoded. */
struct ox_lease_info {
  char kind[OX_LEASE_KIND_MAX + 1]; /* "snapshot", "restore", "clone", ... */
  char host[OX_LEASE_HOST_MAX + 1];
  uint64_t pid;
  uint64_t started, refreshed; /* seconds since the epoch, holder's clock */
  uint64_t ttl;                /* seconds */
  /* The pin: a snapshot (npages > 0 or pinned set) whose pages are live. */
  int pinned;
  char volume[OX_NAME_MAX + 1];
  uint64_t snap_id;
  uint32_t npages;
  uint8_t (*pages)[OX_ID_LEN]; /* malloc'd */
};

/* Format L as the text of a lease object into a malloc'd *TEXT of *LEN
 * bytes. Returns 0 or -1 (reported). */
int ox_lease_format (const struct ox_lease_info *l, char **text, size_t *len)
    __attribute__ ((__nonnull__));

/* Parse the LEN bytes of a lease object into *L (free with
 * ox_lease_info_free). Returns 0, or -1 with errno EINVAL and *WHY set to
 * a static description (nothing reported). */
int ox_lease_parse (const void *text, size_t len, struct ox_lease_info *l,
                    const char **why) __attribute__ ((__nonnull__));

/* True if L is live at NOW: refreshed less than its ttl ago. A lease
 * refreshed "in the future" (a clock ahead) is live until its ttl has
 * passed since then. */
int ox_lease_live (const struct ox_lease_info *l, uint64_t now)
    __attribute__ ((__nonnull__));

/* Free what L holds (not L). */
void ox_lease_info_free (struct ox_lease_info *l)
    __attribute__ ((__nonnull__));

#endif
