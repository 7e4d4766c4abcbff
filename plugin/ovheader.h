/* ox: the overlay's header file: a text file of key=value lines that pins
 * an overlay to one snapshot (docs/FORMAT.md, section 8), read and parsed
 * strictly, and written atomically. Used by overlay.c only.
 */
#ifndef OX_OVHEADER_H
#define OX_OVHEADER_H

#include <stddef.h>

#include "overlay.h"

#define HEADER_NAME "ox-overlay"
#define HEADER_TMP "ox-overlay.tmp"

/* Read and parse the header in directory DIR_FD (DIR is its path, for
 * messages) into *PIN. Returns 1 when read, 0 when there is no header,
 * -1 on error (reported). */
int ovheader_read (int dir_fd, const char *dir, struct overlay_pin *pin)
    __attribute__ ((__nonnull__ (2, 3)));

/* Parse header TEXT of LEN bytes, NUL-terminated at TEXT[LEN] (changed
 * in place), of the overlay in DIR (for messages) into *PIN. Returns 0,
 * or -1 with an error (a NUL byte, a bad, repeated, unknown or missing
 * field). Used by ovheader_read; exposed for the fuzzer. */
int ovheader_parse (const char *dir, char *text, size_t len,
                    struct overlay_pin *pin)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Write the header for PIN atomically (temporary file, fsync, rename,
 * fsync of the directory). Returns 0 or -1 (reported). */
int ovheader_write (int dir_fd, const char *dir, const struct overlay_pin *pin)
    __attribute__ ((__nonnull__ (2, 3)));

#endif
