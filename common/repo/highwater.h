/* ox: the local high-water marks of rollback detection (docs/FORMAT.md,
 * section 12; docs/DESIGN.md, "Rollback detection"): per store id and
 * volume, the greatest snapshot id this host has accepted as a volume's
 * newest or has published. One file per store, DIR/<32 hex store id>, a
 * line "VOLUME <16 hex id>" per volume; changed under flock of
 * DIR/<hex>.lock, only ever raised (but by --allow-rollback), replaced
 * atomically. Local files only: the checks against a store are
 * catalog.h's ox_rollback_check. */
#ifndef OX_HIGHWATER_H
#define OX_HIGHWATER_H

#include <stdint.h>

#include "keys.h"

/* How resolving a volume's newest snapshot checks for rollback. */
struct ox_highwater {
  const char *dir;    /* the state directory; NULL: no check, no mark */
  int allow_rollback; /* accept an older newest and lower the mark to it */
};

/* The state directory: OPT when given, else $OX_STATE_DIR, else
 * $XDG_STATE_HOME/ox, else $HOME/.local/state/ox; malloc'd into *OUT.
 * Returns 0, or -1 (errno ENOENT, unreported: no HOME either; else an
 * error). */
int ox_highwater_dir (const char *opt, char **out)
    __attribute__ ((__nonnull__ (2)));

/* The mark of VOLUME in store STORE_ID under DIR into *MARK (0 when there
 * is none yet). Returns 0, or -1 with an error (a damaged file). */
int ox_highwater_get (const char *dir, const uint8_t store_id[OX_STORE_ID_LEN],
                      const char *volume, uint64_t *mark)
    __attribute__ ((__nonnull__));

/* Raise the mark of VOLUME in store STORE_ID under DIR to ID if it is
 * below; with LOWER_FROM not 0, also lower it to ID, but only while the
 * mark is at most LOWER_FROM (the mark the caller checked: a mark another
 * process raised meanwhile stays). Creates DIR and the file as needed.
 * Returns 0, or -1 with an error. */
int ox_highwater_update (const char *dir,
                         const uint8_t store_id[OX_STORE_ID_LEN],
                         const char *volume, uint64_t id, uint64_t lower_from)
    __attribute__ ((__nonnull__));

#endif
