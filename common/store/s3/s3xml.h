/* ox: the little XML that S3 answers with (errors, listings, multipart).
 *
 * Not a general XML parser: elements are found by name, their text is
 * entity-decoded. Everything is bounded by the given length and hostile
 * input gives -1, never an over-read.
 */
#ifndef OX_S3XML_H
#define OX_S3XML_H

#include <stddef.h>
#include <stdint.h>

/* Find the next element NAME (<NAME>...</NAME>, <NAME attr=...>...</NAME>
 * or <NAME/>) in [*POS, END). Sets *INNER and *INNER_LEN to its content
 * and advances *POS past it. Returns 1, 0 if there is none, or -1 if the
 * element is not closed. */
int ox_s3xml_next (const char **pos, const char *end, const char *name,
                   const char **inner, size_t *inner_len)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5)));

/* Decode the character data S of N bytes (&amp; &lt; &gt; &quot; &apos;
 * &#N; &#xH;) into a malloc'd string *OUT. Returns 0, or -1 for a bad or
 * unknown entity, a NUL character, or ENOMEM. */
int ox_s3xml_decode (const char *s, size_t n, char **out)
    __attribute__ ((__nonnull__ (1, 3)));

/* The decoded text of the first element NAME in [XML, XML+LEN) into a
 * malloc'd *OUT. Returns 1, 0 if absent (*OUT = NULL), or -1. */
int ox_s3xml_text (const char *xml, size_t len, const char *name, char **out)
    __attribute__ ((__nonnull__ (3, 4)));

/* Parse a decimal unsigned 64-bit number, the whole string. Returns 0 or
 * -1 (EINVAL, ERANGE). */
int ox_s3xml_u64 (const char *s, uint64_t *out)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
