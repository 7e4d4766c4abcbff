/* ox: the syntax of names: volume and tag names, snapshot ids, snapshot
 * specs "VOLUME[@ID|:TAG]", tag contents and object keys built from names
 * (docs/FORMAT.md, sections 2 and 7). Pure: no store I/O (the catalog that
 * lists and resolves them is repo/catalog.h). */
#ifndef OX_NAMES_H
#define OX_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define OX_NAME_MAX 128
/* "volumes/" + name + "/snapshots/" + 16 hex + NUL, and "pages/HH/"+64 */
#define OX_KEY_MAX 256
/* "snapshot " + 16 hex + "\n" + "mac " + 64 hex + "\n" + NUL */
#define OX_TAG_TEXT_MAX 96

/* True if NAME is a valid volume or tag name. */
int ox_name_valid (const char *name);

/* A new snapshot id for the current time (40 bits seconds, 24 random). */
uint64_t ox_snapshot_id_new (void);

/* Format ID as 16 hex digits into OUT[17]. */
void ox_snapshot_id_format (uint64_t id, char out[17]);

/* Parse 16 hex digits. Returns 0 or -1 (no error reported). */
int ox_snapshot_id_parse (const char *s, uint64_t *id);

/* Split SPEC "VOLUME[@ID|:TAG]" into its parts. Reports an error for bad
 * syntax. *TAG is NULL, or points into a malloc'd copy returned in
 * *VOLUME; *ID is 0 when absent. Returns 0 or -1. */
int ox_spec_parse (const char *spec, char **volume, uint64_t *id,
                   const char **tag);

/* The id for a new snapshot given CANDIDATE (from ox_snapshot_id_new) and
 * NEWEST, the volume's greatest id (0 if none): CANDIDATE if it is greater,
 * else CANDIDATE's random low 24 bits under a time part one second after
 * NEWEST's, so that the new snapshot is the newest. 0 if the time part
 * would overflow. */
uint64_t ox_snapshot_id_after (uint64_t candidate, uint64_t newest);

/* What ox_tag_parse found. */
enum ox_tag_check {
  OX_TAG_OK,              /* a tag with a MAC that authenticates */
  OX_TAG_UNAUTHENTICATED, /* a tag of format 1: no MAC line */
  OX_TAG_INVALID,         /* not a tag */
  OX_TAG_BAD_MAC,         /* a MAC that does not authenticate */
};

/* Parse the content of tag TAG of VOLUME (LEN bytes, not NUL-terminated)
 * of the store of keys K into *SNAP_ID, checking its MAC (FORMAT.md 7).
 * Reports nothing; *SNAP_ID is set for OX_TAG_OK and
 * OX_TAG_UNAUTHENTICATED. */
enum ox_tag_check ox_tag_parse (const struct ox_keys *k, const char *volume,
                                const char *tag, const void *content,
                                size_t len, uint64_t *snap_id)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 6)));

/* Write the content of tag TAG of VOLUME naming SNAP_ID, with its MAC
 * under K, into TEXT (NUL-terminated); returns its length without the
 * NUL. */
size_t ox_tag_format (const struct ox_keys *k, const char *volume,
                      const char *tag, uint64_t snap_id,
                      char text[OX_TAG_TEXT_MAX])
    __attribute__ ((__nonnull__ (1, 2, 3, 5)));

/* The object key of tag TAG of VOLUME into KEY. Returns 0, or -1 with an
 * error for an invalid volume or tag name. */
int ox_tag_key (const char *volume, const char *tag, char key[OX_KEY_MAX])
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* The key of the marker that segment SEG_ID of snapshot SNAP_ID of VOLUME
 * is durable (FORMAT.md 6.4): volumes/VOL/partial/IIII.../SSSS... */
void ox_partial_key (const char *volume, uint64_t snap_id,
                     const uint8_t seg_id[OX_SEGMENT_ID_LEN],
                     char key[OX_KEY_MAX]) __attribute__ ((__nonnull__));

/* The prefix under which VOLUME's markers are listed
 * (volumes/VOL/partial/) into KEY. */
void ox_partial_prefix (const char *volume, char key[OX_KEY_MAX])
    __attribute__ ((__nonnull__));

/* Parse what follows the prefix in a marker key, "IIII.../SSSS..." (16 and
 * 32 hex digits), into *SNAP_ID and SEG_ID. Returns 0, or -1 for any other
 * text (not reported). */
int ox_partial_parse (const char *rest, uint64_t *snap_id,
                      uint8_t seg_id[OX_SEGMENT_ID_LEN])
    __attribute__ ((__nonnull__));

#endif
