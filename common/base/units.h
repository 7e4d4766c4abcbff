/* ox: parsing and printing sizes and rates for humans. */
#ifndef OX_UNITS_H
#define OX_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parse a size such as "4096", "256K", "64M", "1G", "2T" (binary units,
 * optional "iB"/"B" suffix, e.g. "256KiB"). Returns 0, or -1 with an error
 * naming WHAT (e.g. "--chunk-size"). */
int ox_parse_size (const char *what, const char *s, uint64_t *out);

/* Parse a rate in bytes per second: a size with an optional "/s" suffix.
 * "0" means unlimited. Returns 0 or -1 with an error. */
int ox_parse_rate (const char *what, const char *s, uint64_t *out);

/* Parse a duration such as "0", "90", "30s", "15m", "24h", "7d" (a bare
 * number is seconds) into *OUT seconds; errors are reported naming WHAT
 * (e.g. "--grace"). Returns 0 or -1. */
int ox_parse_duration (const char *what, const char *s, uint64_t *out);

/* Parse the decimal digits [S, END) (1 to 19 of them, nothing else) into
 * *V, as the text formats' numeric fields are written. Returns 0, or -1
 * leaving *V unchanged (not reported). */
int ox_parse_decimal (const char *s, const char *end, uint64_t *v)
    __attribute__ ((__nonnull__));

/* Format SECONDS as "7d", "24h", "15m" or "90s" (the largest unit that
 * divides it) into BUF (at least 24 bytes). */
const char *ox_format_duration (uint64_t seconds, char *buf, size_t len);

/* Format BYTES as "1.50 GiB" into BUF (at least 16 bytes). */
const char *ox_format_size (uint64_t bytes, char *buf, size_t len);

#endif
