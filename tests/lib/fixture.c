/* ox test library: stores and snapshots made in-process. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "objects.h"
#include "storecfg.h"
#include "storeopen.h"
#include "writer.h"

static void
die (const char *what)
{
  fprintf (stderr, "fixture: %s failed\n", what);
  exit (1);
}

void
fixture_store (const char *dir, int encrypted, struct ox_store **st,
               struct ox_keys *keys)
{
  struct ox_store_options so = { 0 };
  struct ox_key_source src = { 0 };
  char key[4096];

  snprintf (key, sizeof key, "%s.key", dir);
  if (encrypted)
    src.key_file = key;
  so.create = 1;
  if (ox_store_open (dir, &so, st) == -1)
    die ("ox_store_open");
  if (ox_storecfg_create (*st, encrypted, &src, keys) == -1)
    die ("ox_storecfg_create");
}

static int
image_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  const struct fixture_image *img = opaque;

  /* Holes are never read: the writer must skip them. */
  if (offset < img->hole_end && offset + len > img->hole_start)
    die ("a read of a hole");
  memcpy (buf, img->data + offset, len);
  return 0;
}

static uint64_t
image_next_data (void *opaque, uint64_t offset)
{
  const struct fixture_image *img = opaque;

  if (offset >= img->hole_start && offset < img->hole_end)
    return img->hole_end < img->size ? img->hole_end : img->size;
  return offset;
}

uint64_t
fixture_snapshot (struct ox_store *st, const struct ox_keys *keys,
                  const char *volume, const struct fixture_image *img,
                  uint32_t chunk_size)
{
  struct ox_writer_source src = { .name = "fixture",
                                  .size = img->size,
                                  .opaque = (void *)img,
                                  .read = image_read,
                                  .next_data = image_next_data };
  struct ox_writer_options o;
  struct ox_writer_stats stats;

  ox_writer_options_default (&o);
  o.chunk_size = chunk_size;
  o.jobs = 2;
  if (ox_writer_snapshot (st, keys, &src, volume, &o, &stats) == -1)
    die ("ox_writer_snapshot");
  return stats.snapshot_id;
}

void
fixture_store_with (const char *dir, const char *volume, const void *data,
                    uint64_t size, uint32_t chunk_size)
{
  struct fixture_image img = { .data = data, .size = size };
  struct ox_store *st;
  struct ox_keys keys;

  fixture_store (dir, 0, &st, &keys);
  fixture_snapshot (st, &keys, volume, &img, chunk_size);
  ox_store_close (st);
  ox_keys_wipe (&keys);
}

void
fixture_check (struct ox_store *st, const struct ox_keys *keys,
               const char *volume, uint64_t id, const void *data,
               uint64_t size, uint32_t chunk_size)
{
  struct ox_root *root;
  struct ox_basis *b;
  struct ox_codec *c = ox_codec_new (0);
  unsigned char *buf = malloc (chunk_size);

  if (!c || !buf)
    die ("malloc");
  if (ox_root_get (st, keys, volume, id, &root) == -1)
    die ("ox_root_get");
  if (root->volume_size != size || root->chunk_size != chunk_size) {
    ox_root_free (root);
    die ("fixture_check: the root's geometry");
  }
  if (ox_basis_open (st, keys, root, &b) == -1)
    die ("ox_basis_open");
  for (uint64_t i = 0; i < ox_chunk_count (size, chunk_size); i++) {
    uint64_t start, want;
    size_t len = 0;

    ox_chunk_range (size, chunk_size, i, &start, &want);
    if (ox_basis_read_chunk (b, c, i, buf, &len) == -1)
      die ("ox_basis_read_chunk");
    if (len != want
        || memcmp (buf, (const unsigned char *)data + start, len) != 0) {
      fprintf (stderr, "fixture: chunk %llu of %s@%016llx differs\n",
               (unsigned long long)i, volume, (unsigned long long)id);
      exit (1);
    }
  }
  ox_basis_close (b);
  ox_codec_free (c);
  free (buf);
}
