/* ox: the bytes of a forget record, volumes/VOL/forgotten/ID (docs/FORMAT.md,
 * section 7.1): written by oxsnap forget before it deletes a root, it names
 * the newest snapshot below ID at that time, so that rollback detection
 * (repo/catalog.h, ox_rollback_check) can tell a forgotten snapshot from a
 * deleted one. Pure: no store I/O. */
#ifndef OX_FORGETFMT_H
#define OX_FORGETFMT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "names.h"

/* "before <16 hex>\nmac <64 hex>\n" */
#define OX_FORGET_TEXT_LEN (7 + 16 + 1 + 4 + 64 + 1)

/* What ox_forget_parse found. */
enum ox_forget_check {
  OX_FORGET_OK,      /* a record whose MAC authenticates */
  OX_FORGET_INVALID, /* not a forget record */
  OX_FORGET_BAD_MAC, /* well formed, but the MAC does not authenticate */
};

/* Write the record that snapshot SNAP_ID of VOLUME was forgotten when
 * BEFORE (0: none) was the newest snapshot below it, with its MAC under K,
 * into TEXT (NUL-terminated). Returns its length, OX_FORGET_TEXT_LEN. */
size_t ox_forget_format (const struct ox_keys *k, const char *volume,
                         uint64_t snap_id, uint64_t before,
                         char text[OX_FORGET_TEXT_LEN + 1])
    __attribute__ ((__nonnull__));

/* Parse the LEN bytes of CONTENT as the forget record of VOLUME@SNAP_ID and
 * check its MAC under K; sets *BEFORE only for OX_FORGET_OK (a BEFORE not
 * below SNAP_ID is invalid). */
enum ox_forget_check
ox_forget_parse (const struct ox_keys *k, const char *volume, uint64_t snap_id,
                 const void *content, size_t len, uint64_t *before)
    __attribute__ ((__nonnull__));

/* The object key of the forget record of VOLUME@SNAP_ID into KEY. */
void ox_forget_key (const char *volume, uint64_t snap_id, char key[OX_KEY_MAX])
    __attribute__ ((__nonnull__));

#endif
