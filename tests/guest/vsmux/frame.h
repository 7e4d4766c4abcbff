/* vsmux framing: many byte streams over one (virtio-serial) byte stream.
 *
 * A frame is a 9-byte header, then LENGTH bytes of payload:
 *
 *   offset 0  u32 big-endian  connection id (chosen by the guest end)
 *   offset 4  u8              type (enum vsmux_type)
 *   offset 5  u32 big-endian  payload length (at most VSMUX_MAX_PAYLOAD;
 *                             0 for every type but DATA)
 *
 * OPEN (guest to host) starts connection ID; DATA carries its bytes; EOF
 * says the sender will send no more on it (half-close: shutdown SHUT_WR
 * on the far socket once its buffered bytes are written); CLOSE ends it at
 * once in both directions (a reset, a failed connect, a write error). A
 * connection is gone on a side once that side has sent and received EOF
 * and written out everything, or sent or received CLOSE. */
#ifndef VSMUX_FRAME_H
#define VSMUX_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define VSMUX_HEADER_SIZE 9
#define VSMUX_MAX_PAYLOAD 65536

enum vsmux_type {
  VSMUX_OPEN = 1,
  VSMUX_DATA = 2,
  VSMUX_EOF = 3,
  VSMUX_CLOSE = 4,
};

struct vsmux_frame {
  uint32_t id;
  uint8_t type;
  uint32_t length;
  const uint8_t *payload; /* points into the decoded buffer */
};

/* Write the header of a frame into HDR (VSMUX_HEADER_SIZE bytes). */
void vsmux_encode_header (uint8_t *hdr, uint32_t id, uint8_t type,
                          uint32_t length) __attribute__ ((__nonnull__ (1)));

/* Decode the frame at the start of BUF (N bytes) into F: returns the bytes
 * it takes (header and payload), 0 if BUF holds less than a whole frame,
 * or -1 if the header is invalid (unknown type, payload too long, or a
 * payload on a frame other than DATA). */
long vsmux_decode (const uint8_t *buf, size_t n, struct vsmux_frame *f)
    __attribute__ ((__nonnull__ (1, 3)));

/* The name of frame type TYPE ("open", "data"...; "?" if unknown). */
const char *vsmux_type_name (uint8_t type);

#endif
