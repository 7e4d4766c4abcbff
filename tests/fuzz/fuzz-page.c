/* Fuzz manifest pages: ox_page_decode of a page's plaintext (docs/FORMAT.md
 * 6.1). A page that decodes must encode back to the same bytes. The mode
 * byte is not used (pages have no keys of their own: they travel in
 * frames).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"

static void
seed_page (const char *dir, const char *name, uint32_t nsegments,
           uint32_t nentries)
{
  struct ox_page page
      = { .page_index = 3, .nentries = nentries, .nsegments = nsegments };
  void *data;
  size_t len;

  page.segments = calloc (nsegments + 1, OX_SEGMENT_ID_LEN);
  page.entries = calloc (nentries, sizeof *page.entries);
  for (uint32_t i = 0; i < nsegments; i++)
    memset (page.segments[i], i + 1, OX_SEGMENT_ID_LEN);
  for (uint32_t i = 0; i < nentries; i++) {
    struct ox_page_entry *e = &page.entries[i];
    if (nsegments == 0 || i % 3 == 2) {
      e->flags = OX_CHUNK_ZERO; /* a chunk of zeros has no frame */
      continue;
    }
    memset (e->id, 0x40 + i, OX_ID_LEN);
    e->segment = i % nsegments;
    e->offset = 56 + 100 * i;
    e->length = 100;
  }
  if (ox_page_encode (&page, &data, &len) == -1)
    abort ();
  fuzz_write_seed (dir, name, 0, data, len);
  free (data);
  free (page.segments);
  free (page.entries);
}

static void
write_seeds (const char *dir)
{
  seed_page (dir, "zeros", 0, 1);
  seed_page (dir, "one", 1, 2);
  seed_page (dir, "mixed", 3, 20);
}

FUZZ_INITIALIZE (write_seeds)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ox_page *page;
  uint8_t *p;
  void *back;
  size_t len;

  if (size < 1)
    return 0;
  p = fuzz_dup (data + 1, size - 1);
  if (ox_page_decode ("fuzz", p, size - 1, &page) == 0) {
    for (uint32_t i = 0; i < page->nentries; i++)
      if (!(page->entries[i].flags & OX_CHUNK_ZERO)
          && page->entries[i].segment >= page->nsegments)
        abort ();
    if (ox_page_encode (page, &back, &len) == -1 || len != size - 1
        || memcmp (back, p, len) != 0)
      abort ();
    free (back);
    ox_page_free (page);
  }
  free (p);
  return 0;
}
