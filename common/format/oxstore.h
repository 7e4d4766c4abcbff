/* ox: the bytes of the store configuration object "ox-store"
 * (docs/FORMAT.md, section 3): its header, key slots and checksum, parsed
 * strictly and written. No store I/O: repo/storecfg.h reads and writes the
 * object through a store (this file is not named storecfg.h because both
 * headers are on the include path of everything above repo/). */
#ifndef OX_OXSTORE_H
#define OX_OXSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "keyslot.h"

#define OX_STORECFG_KEY "ox-store" /* the object's key in a store */
#define OX_STORECFG_MAGIC "OXSTORE\0"
#define OX_STORECFG_MAGIC_LEN 8
#define OX_STORECFG_VERSION 1
#define OX_STORECFG_ENCRYPTED 1u /* flags bit 0 */
#define OX_STORECFG_HEAD_LEN 36  /* magic, version, flags, store_id, nslots */
#define OX_STORECFG_SLOT_LEN 108
#define OX_STORECFG_SUM_LEN 32
#define OX_STORECFG_MAX_SLOTS 64 /* a reader refuses more (section 3) */

/* The object, decoded: version 1, and all its slots in order. */
struct ox_storecfg {
  uint32_t flags; /* OX_STORECFG_ENCRYPTED or 0 */
  uint8_t store_id[OX_STORE_ID_LEN];
  uint32_t nslots; /* at most OX_STORECFG_MAX_SLOTS */
  struct ox_keyslot slots[OX_STORECFG_MAX_SLOTS];
};

/* How many slots of CFG are in use: not empty (OX_SLOT_EMPTY). */
uint32_t ox_storecfg_slots_in_use (const struct ox_storecfg *cfg)
    __attribute__ ((__nonnull__ (1)));

/* The index a new slot takes in CFG: the first empty slot, else nslots
 * (appended: the caller then increments nslots); -1 when all 64 slots are
 * in use. Reusing an empty index keeps the others' indices, which their
 * AEAD additional data binds. */
int ox_storecfg_free_index (const struct ox_storecfg *cfg)
    __attribute__ ((__nonnull__ (1)));

/* Empty slot INDEX (below nslots) of CFG: all its bytes zero, type 0; then
 * drop the empty slots at the end of the table. No other slot moves. */
void ox_storecfg_clear_slot (struct ox_storecfg *cfg, uint32_t index)
    __attribute__ ((__nonnull__ (1)));

/* The length of an object of NSLOTS slots. */
static inline size_t
ox_storecfg_len (uint32_t nslots)
{
  return OX_STORECFG_HEAD_LEN + (size_t)nslots * OX_STORECFG_SLOT_LEN
         + OX_STORECFG_SUM_LEN;
}

/* Write the 108 bytes of slot SL at P. */
void ox_keyslot_encode (const struct ox_keyslot *sl,
                        uint8_t p[OX_STORECFG_SLOT_LEN])
    __attribute__ ((__nonnull__ (1, 2)));

/* Read the 108 bytes of a slot at P into *SL (any type: none is refused
 * here; ox_keyslot_open skips those it cannot open). */
void ox_keyslot_decode (const uint8_t p[OX_STORECFG_SLOT_LEN],
                        struct ox_keyslot *sl)
    __attribute__ ((__nonnull__ (1, 2)));

/* Serialise CFG (nslots at most OX_STORECFG_MAX_SLOTS) as version 1 with
 * its checksum into a malloc'd *DATA of *LEN bytes. Returns 0 or -1 with
 * an error. */
int ox_storecfg_encode (const struct ox_storecfg *cfg, void **data,
                        size_t *len) __attribute__ ((__nonnull__ (1, 2, 3)));

/* Check and parse the LEN bytes at DATA, the "ox-store" of the store at
 * URL (for messages), into *CFG. Refuses, with one error each: a bad
 * magic; a version above 1 ("unknown format version", before the
 * checksum: a newer writer may have changed it) or 0; an object shorter
 * than a header and checksum; a checksum mismatch; a length that does not
 * match nslots; more than 64 slots; unknown flags; slots without the
 * encryption flag or none with it. Returns 0 or -1. */
int ox_storecfg_decode (const char *url, const void *data, size_t len,
                        struct ox_storecfg *cfg)
    __attribute__ ((__nonnull__ (1, 2, 4)));

#endif
