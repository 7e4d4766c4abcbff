/* Test vsmux's framing (frame.c): a header encodes to its bytes; frames
 * decode back (id, type, length, payload), whole and in every split of a
 * buffer of several frames; a partial frame asks for more; bad headers
 * (unknown type, payload too long, payload on a non-data frame) fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static int failures;

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf (stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #c);          \
      failures++;                                                             \
    }                                                                         \
  } while (0)

int
main (void)
{
  uint8_t hdr[VSMUX_HEADER_SIZE];
  vsmux_encode_header (hdr, 0x01020304, VSMUX_DATA, 0x00010000);
  static const uint8_t want[] = { 1, 2, 3, 4, 2, 0, 1, 0, 0 };
  CHECK (memcmp (hdr, want, sizeof want) == 0);

  /* Three frames back to back: open 7, data 7 "hello", eof 7. */
  uint8_t buf[64];
  size_t n = 0;
  vsmux_encode_header (buf + n, 7, VSMUX_OPEN, 0);
  n += VSMUX_HEADER_SIZE;
  vsmux_encode_header (buf + n, 7, VSMUX_DATA, 5);
  n += VSMUX_HEADER_SIZE;
  memcpy (buf + n, "hello", 5);
  n += 5;
  vsmux_encode_header (buf + n, 0xffffffff, VSMUX_EOF, 0);
  n += VSMUX_HEADER_SIZE;

  struct vsmux_frame f;
  CHECK (vsmux_decode (buf, n, &f) == VSMUX_HEADER_SIZE);
  CHECK (f.id == 7 && f.type == VSMUX_OPEN && f.length == 0);
  CHECK (vsmux_decode (buf + 9, n - 9, &f) == VSMUX_HEADER_SIZE + 5);
  CHECK (f.id == 7 && f.type == VSMUX_DATA && f.length == 5);
  CHECK (memcmp (f.payload, "hello", 5) == 0);
  CHECK (vsmux_decode (buf + 23, n - 23, &f) == VSMUX_HEADER_SIZE);
  CHECK (f.id == 0xffffffff && f.type == VSMUX_EOF);

  /* Every prefix shorter than a frame asks for more. */
  for (size_t k = 0; k < VSMUX_HEADER_SIZE + 5; k++)
    CHECK (vsmux_decode (buf + 9, k, &f) == 0);

  /* Bad headers. */
  vsmux_encode_header (hdr, 1, 9, 0);
  CHECK (vsmux_decode (hdr, sizeof hdr, &f) == -1);
  vsmux_encode_header (hdr, 1, 0, 0);
  CHECK (vsmux_decode (hdr, sizeof hdr, &f) == -1);
  vsmux_encode_header (hdr, 1, VSMUX_DATA, VSMUX_MAX_PAYLOAD + 1);
  CHECK (vsmux_decode (hdr, sizeof hdr, &f) == -1);
  vsmux_encode_header (hdr, 1, VSMUX_CLOSE, 1);
  CHECK (vsmux_decode (hdr, sizeof hdr, &f) == -1);
  CHECK (strcmp (vsmux_type_name (VSMUX_CLOSE), "close") == 0);
  CHECK (strcmp (vsmux_type_name (0), "?") == 0);

  if (failures)
    return 1;
  printf ("ok\n");
  return 0;
}
