/* ox: hexadecimal: bytes to lowercase hex and back, and hex numbers (the
 * 16 digits of a snapshot id). */
#ifndef OX_HEX_H
#define OX_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of hex digit C (either case), or -1 if C is not one. */
int ox_hex_digit (char c);

/* Write the lowercase hex of LEN bytes into OUT (2*LEN+1 bytes). */
void ox_hex (const void *data, size_t len, char *out)
    __attribute__ ((__nonnull__ (3)));

/* Parse exactly 2*LEN hex digits of HEX into OUT (what follows them is not
 * looked at). Returns 0, or -1 leaving OUT unchanged. */
int ox_unhex (const char *hex, void *out, size_t len)
    __attribute__ ((__nonnull__ (1, 2)));

/* Parse the N hex digits (1 to 16) at S as a number into *V (what follows
 * them is not looked at). Returns 0, or -1 leaving *V unchanged. */
int ox_unhex_u64 (const char *s, size_t n, uint64_t *v)
    __attribute__ ((__nonnull__ (1, 3)));

#endif
