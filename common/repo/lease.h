/* ox: leases (docs/FORMAT.md section 10, docs/DESIGN.md "Garbage
 * collection while others work"). A process that writes a snapshot, reads
 * one or serves a clone takes a lease, gc/leases/<random>, and refreshes it
 * from a thread every OX_LEASE_REFRESH seconds until it drops it. Garbage
 * collection lists the live leases: a lease without a pin holds off every
 * deletion, a pinned lease keeps its snapshot's objects. */
#ifndef OX_LEASE_H
#define OX_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "leasefmt.h"
#include "manifest.h"
#include "store.h"

struct ox_lease;

/* Take a lease of KIND ("snapshot", "restore", "clone", "verify") on ST,
 * pinning the snapshot PIN (NULL: no pin, the lease holds off all
 * deletions), and start its refresher. Returns 0 and sets *OUT, or -1 with
 * an error (the lease could not be written). */
int ox_lease_take (struct ox_store *st, const char *kind,
                   const struct ox_root *pin, struct ox_lease **out)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Whether lease L is still known to be live: its last successful write
 * was less than OX_LEASE_TTL minus a margin of two refreshes ago. A writer
 * that finds its lease lapsed must not publish (garbage collection may have
 * missed it). Returns 1 or 0; with 0 it reports an error. */
int ox_lease_valid (struct ox_lease *l) __attribute__ ((__nonnull__));

/* Stop refreshing L, delete its object (a failure is a warning: it
 * expires) and free it. NULL is fine. */
void ox_lease_drop (struct ox_lease *l);

/* A lease found by ox_lease_list: its key and content. */
struct ox_lease_entry {
  char key[OX_KEY_MAX];
  struct ox_lease_info info;
  int live;    /* live at the time given to ox_lease_list */
  int invalid; /* present but not a lease ox can read (info zeroed) */
};

/* List the leases of ST into a malloc'd array, judging them live at NOW.
 * A lease object that cannot be parsed is listed with invalid set and a
 * warning; garbage collection counts it as a writer at work (it may be a
 * newer writer's) and leaves it in place. One gone since the listing is
 * listed with live 0 and invalid 0. Returns 0 or -1. */
int ox_lease_list (struct ox_store *st, uint64_t now,
                   struct ox_lease_entry **out, size_t *n)
    __attribute__ ((__nonnull__));

/* Free an array made by ox_lease_list. */
void ox_lease_list_free (struct ox_lease_entry *v, size_t n);

#endif
