/* ox: a small streaming JSON writer for machine-readable output (oxsnap
 * --json): one document, compact, ended by a newline. Values are written
 * as they come; commas, quoting and string escaping are done here.
 *
 * Every value function takes KEY: the member name inside an object, NULL
 * inside an array or for the top-level value. Misuse (a key inside an
 * array, no key inside an object, unbalanced ends, nesting deeper than
 * OX_JSON_MAX_DEPTH) is remembered and reported by ox_json_finish. */
#ifndef OX_JSON_H
#define OX_JSON_H

#include <stdint.h>
#include <stdio.h>

#define OX_JSON_MAX_DEPTH 16

struct ox_json {
  FILE *f;
  int depth;
  int bad;                                /* misuse seen */
  int done;                               /* the top-level value began */
  char kind[OX_JSON_MAX_DEPTH];           /* '{' or '[' per open level */
  unsigned char count[OX_JSON_MAX_DEPTH]; /* members written, 0 or 1 */
};

/* Start a document written to F. */
void ox_json_init (struct ox_json *j, FILE *f);

/* Open an object as member KEY (or array element / top level). */
void ox_json_object (struct ox_json *j, const char *key);

/* Open an array as member KEY (or array element / top level). */
void ox_json_array (struct ox_json *j, const char *key);

/* Close the innermost open object or array. */
void ox_json_end (struct ox_json *j);

/* A string, escaped; bytes that are not UTF-8 become U+FFFD. */
void ox_json_string (struct ox_json *j, const char *key, const char *s);

/* An unsigned integer. */
void ox_json_uint (struct ox_json *j, const char *key, uint64_t v);

/* A finite number (non-finite values become null). */
void ox_json_double (struct ox_json *j, const char *key, double v);

/* true or false. */
void ox_json_bool (struct ox_json *j, const char *key, int v);

/* null. */
void ox_json_null (struct ox_json *j, const char *key);

/* An id as a string of 16 lowercase hex digits. */
void ox_json_id (struct ox_json *j, const char *key, uint64_t id);

/* End the document (a newline) and flush. Returns 0, or -1 with an error
 * if the writer was misused or F failed. */
int ox_json_finish (struct ox_json *j);

#endif
