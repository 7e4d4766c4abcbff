/* ox: the bytes of a clone overlay (docs/FORMAT.md, section 8): the text
 * header "ox-overlay" that pins it to one snapshot, the block map "map"
 * (one bit per 4 KiB block), and the statistics totals "stats". Pure: no
 * file I/O (plugin/overlay.c and plugin/stats.c write and read the files,
 * snapshot/status.c reads them).
 *
 * The parsers are strict: anything but a well-formed record is refused
 * with errno set (EINVAL; EFBIG for an oversized header) and a message
 * naming WHAT (the file's path, for instance), never guessed at. The
 * header and map parsers report with ox_error, as their callers fail; the
 * statistics parser only sets *WHY, as its callers warn and go on.
 */
#ifndef OX_OVFORMAT_H
#define OX_OVFORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "manifest.h"
#include "names.h"

#define OX_OV_BLOCK_SHIFT 12
#define OX_OV_BLOCK_SIZE (1u << OX_OV_BLOCK_SHIFT)
#define OX_OV_MAP_PAGE 4096u /* the map is written in pages of this size */
#define OX_OV_URL_MAX 4096   /* bytes of store-url, with its NUL */
#define OX_OV_VOLUME_MAX (UINT64_C (1) << 62)
#define OX_OVHEADER_MAX 16384    /* bytes of a header at most */
#define OX_OVSTATS_MAX 65536     /* bytes of a statistics file at most */
#define OX_OVSTATS_TEXT_MAX 2048 /* what ox_ovstats_format writes at most */

/* The files of an overlay directory. */
#define OX_OVHEADER_NAME "ox-overlay"
#define OX_OVHEADER_TMP "ox-overlay.tmp"
#define OX_OVDATA_NAME "data"
#define OX_OVMAP_NAME "map"
#define OX_OVWRITTEN_NAME "written" /* version 2 */
#define OX_OVSTATS_NAME "stats"
#define OX_OVSTATS_TMP "stats.tmp"

/* The overlay format version written: 2 added the "written" map (blocks
 * the client wrote, as opposed to hydrated ones). */
#define OX_OVERLAY_VERSION 2

/* What an overlay is pinned to: the fields of its header. */
struct ox_ovheader {
  int version; /* 1 or 2: the header's first line ("ox-overlay N"); 0 is
                * written as OX_OVERLAY_VERSION */
  char store_url[OX_OV_URL_MAX]; /* informational: the store may move */
  uint8_t store_id[OX_STORE_ID_LEN];
  char volume[OX_NAME_MAX + 1];
  uint64_t snapshot_id;
  uint8_t root_digest[OX_ID_LEN]; /* see ox_ovheader_from_root */
  uint64_t volume_size;           /* 1 to OX_OV_VOLUME_MAX */
  uint32_t chunk_size;            /* ox_chunk_size_valid */
  int complete;                   /* every block is local: needs no store */
};

/* Fill *H (complete = 0) for snapshot root R of the store with keys K at
 * URL: root_digest is the MAC of section 8 over the root's identity,
 * geometry and page ids. Returns 0, or -1 (EINVAL, reported) when URL
 * cannot be written in a header (too long, or holds a newline). */
int ox_ovheader_from_root (const struct ox_keys *k, const char *url,
                           const struct ox_root *r, struct ox_ovheader *h)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Write the header text for H into BUF (SIZE bytes; OX_OVHEADER_MAX is
 * always enough), NUL-terminated, and its length without the NUL into
 * *LEN. Refuses (EINVAL, reported) fields that the parser would refuse.
 * Returns 0 or -1. */
int ox_ovheader_format (const struct ox_ovheader *h, char *buf, size_t size,
                        size_t *len) __attribute__ ((__nonnull__ (1, 2, 4)));

/* Parse the LEN bytes at TEXT (need not be NUL-terminated; not changed)
 * of the header WHAT (for messages) into *H, which is zeroed first.
 * Refuses, with an error and errno EINVAL: a NUL byte, a first line other
 * than "ox-overlay 1" or "ox-overlay 2" (the version is set), a line without
 * "=" or without its final newline, an unknown, repeated, invalid or missing
 * field; EFBIG: more than OX_OVHEADER_MAX bytes. Returns 0 or -1. */
int ox_ovheader_parse (const char *what, const void *text, size_t len,
                       struct ox_ovheader *h)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Number of blocks of a volume of VOLUME_SIZE bytes (the last may be
 * short). */
static inline uint64_t
ox_ovmap_nblocks (uint64_t volume_size)
{
  return (volume_size >> OX_OV_BLOCK_SHIFT)
         + ((volume_size & (OX_OV_BLOCK_SIZE - 1)) != 0);
}

/* Bytes of the map of a volume of VOLUME_SIZE bytes: one bit per block,
 * rounded up to whole map pages. */
static inline uint64_t
ox_ovmap_len (uint64_t volume_size)
{
  uint64_t bytes = (ox_ovmap_nblocks (volume_size) + 7) / 8;
  return (bytes + OX_OV_MAP_PAGE - 1) / OX_OV_MAP_PAGE * OX_OV_MAP_PAGE;
}

/* Check that a map WHAT of LEN bytes fits a volume of VOLUME_SIZE bytes
 * (1 to OX_OV_VOLUME_MAX). Returns 0, or -1 with an error and errno
 * EINVAL. */
int ox_ovmap_check_len (const char *what, uint64_t len, uint64_t volume_size)
    __attribute__ ((__nonnull__ (1)));

/* Decode LEN bytes (a multiple of 8) of a map that start at byte OFFSET
 * (a multiple of 8) of the map of a volume of NBLOCKS blocks into LEN / 8
 * host-order words at WORDS (which may be BYTES itself: in place), bit b
 * of word w describing block 64 w + b, with the bits of blocks past
 * NBLOCKS cleared (they mean nothing). Returns the number of bits left
 * set: the local blocks among them. */
uint64_t ox_ovmap_decode (const void *bytes, size_t len, uint64_t offset,
                          uint64_t nblocks, uint64_t *words)
    __attribute__ ((__nonnull__ (1, 5)));

/* Encode NWORDS host-order WORDS as map bytes (little-endian words) into
 * OUT (8 NWORDS bytes; may be WORDS itself: in place). */
void ox_ovmap_encode (const uint64_t *words, size_t nwords, void *out)
    __attribute__ ((__nonnull__ (1, 3)));

/* The fetch classes of the statistics, in their order in the file. */
enum { OX_OVSTATS_DEMAND, OX_OVSTATS_READAHEAD, OX_OVSTATS_BACKGROUND };

/* The hydrate= line of the statistics. */
enum ox_ovstats_hydrate {
  OX_OVSTATS_HYDRATE_NONE, /* no such line (files of older versions) */
  OX_OVSTATS_HYDRATE_OFF,
  OX_OVSTATS_HYDRATE_ON,
  OX_OVSTATS_HYDRATE_DONE,
};

/* The totals of the statistics file over all runs of the plugin on one
 * overlay (counters are summed; rates are of the last interval). */
struct ox_ovstats {
  uint64_t updated; /* Unix time */
  uint64_t runs;
  uint64_t fetches[3], bytes[3], rate[3]; /* by class, OX_OVSTATS_DEMAND.. */
  uint64_t fetch_errors, reads, read_bytes, writes, write_bytes, zeros;
  uint64_t flushes, errors, local_reads, basis_reads;
  uint64_t runtime_ms;
  enum ox_ovstats_hydrate hydrate;
  int complete;
};

/* The value of hydrate= for H: "on", "off", "done", or "" for NONE. */
const char *ox_ovstats_hydrate_name (enum ox_ovstats_hydrate h);

/* Write the statistics file's text for S into BUF, NUL-terminated, and
 * return its length without the NUL: "key=value" lines in a fixed order,
 * runtime_s (runtime_ms in whole seconds) after runtime_ms. */
size_t ox_ovstats_format (const struct ox_ovstats *s,
                          char buf[OX_OVSTATS_TEXT_MAX])
    __attribute__ ((__nonnull__ (1, 2)));

/* Parse the LEN bytes at TEXT (need not be NUL-terminated) of a statistics
 * file into *S, which is zeroed first: known keys must have valid values
 * (decimal counters; hydrate on, off or done; complete 0 or 1) and appear
 * once; unknown keys are ignored; a missing key reads as 0; without
 * runtime_ms (files of older versions), runtime_s x 1000 is used. Refuses,
 * without reporting, with errno EINVAL and *WHY set to a static
 * description: a NUL byte, a line without "=" or without its final
 * newline, a bad or repeated value, more than OX_OVSTATS_MAX bytes.
 * Returns 0 or -1. */
int ox_ovstats_parse (const void *text, size_t len, struct ox_ovstats *s,
                      const char **why)
    __attribute__ ((__nonnull__ (1, 3, 4)));

#endif
