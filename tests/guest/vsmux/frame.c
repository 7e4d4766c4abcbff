/* vsmux framing: encode and decode frame headers (see frame.h). */
#include "frame.h"

static void
put_u32 (uint8_t *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32_t
get_u32 (const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
         | p[3];
}

void
vsmux_encode_header (uint8_t *hdr, uint32_t id, uint8_t type, uint32_t length)
{
  put_u32 (hdr, id);
  hdr[4] = type;
  put_u32 (hdr + 5, length);
}

long
vsmux_decode (const uint8_t *buf, size_t n, struct vsmux_frame *f)
{
  if (n < VSMUX_HEADER_SIZE)
    return 0;
  f->id = get_u32 (buf);
  f->type = buf[4];
  f->length = get_u32 (buf + 5);
  if (f->type < VSMUX_OPEN || f->type > VSMUX_CLOSE
      || f->length > VSMUX_MAX_PAYLOAD
      || (f->type != VSMUX_DATA && f->length != 0))
    return -1;
  if (n - VSMUX_HEADER_SIZE < f->length)
    return 0;
  f->payload = buf + VSMUX_HEADER_SIZE;
  return VSMUX_HEADER_SIZE + (long)f->length;
}

const char *
vsmux_type_name (uint8_t type)
{
  switch (type) {
  case VSMUX_OPEN:
    return "open";
  case VSMUX_DATA:
    return "data";
  case VSMUX_EOF:
    return "eof";
  case VSMUX_CLOSE:
    return "close";
  }
  return "?";
}
