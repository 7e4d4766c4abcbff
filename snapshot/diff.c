/* oxsnap diff: the byte ranges in which snapshot B differs from snapshot
 * A, like `rbd diff`, computed from the two manifests (chunk ids) without
 * reading any data. A range is "data" where B holds data and "zero" where
 * B reads as zeros; beyond A's end A counts as zeros, and beyond B's end
 * nothing is listed (B has no bytes there). Chunk ids are digests of the
 * chunks' bytes, so equal ids mean equal bytes; a chunk whose id differs is
 * listed whole (a chunk is the finest grain the manifests know). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "basis.h"
#include "catalog.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "manifest.h"

/* The range being built: [start, end) of one type, or none (end == 0). */
struct run {
  uint64_t start, end;
  int zero;
};

struct diff {
  struct cli *c;
  struct ox_json j;
  uint64_t extents, bytes;
};

static void
emit (struct diff *d, const struct run *r)
{
  if (r->end == 0)
    return;
  d->extents++;
  d->bytes += r->end - r->start;
  if (d->c->json) {
    ox_json_object (&d->j, NULL);
    ox_json_uint (&d->j, "offset", r->start);
    ox_json_uint (&d->j, "length", r->end - r->start);
    ox_json_string (&d->j, "type", r->zero ? "zero" : "data");
    ox_json_end (&d->j);
  } else
    printf ("%" PRIu64 " %" PRIu64 " %s\n", r->start, r->end - r->start,
            r->zero ? "zero" : "data");
}

/* Whether chunk I of B differs from chunk I of A (A has NA chunks). Sets
 * *ZERO when B's chunk reads as zeros. Returns 1, 0, or -1 on an error. */
static int
chunk_differs (struct ox_basis *a, uint64_t na, struct ox_basis *b, uint64_t i,
               int *zero)
{
  struct ox_chunk_loc la, lb;

  if (ox_basis_lookup (b, i, &lb) == -1)
    return -1;
  *zero = lb.zero;
  if (i >= na)
    return !lb.zero; /* past A's end A reads as zeros */
  if (ox_basis_lookup (a, i, &la) == -1)
    return -1;
  if (la.zero || lb.zero)
    return la.zero != lb.zero;
  /* The last chunk of a volume of another size has another length, and so
   * another id, even when its bytes start the same: listed, never missed. */
  return la.plain_len != lb.plain_len || memcmp (la.id, lb.id, OX_ID_LEN) != 0;
}

/* Walk B's chunks, merging adjacent differing chunks of one type. */
static int
walk (struct diff *d, struct ox_basis *a, struct ox_basis *b)
{
  const struct ox_root *ra = ox_basis_root (a), *rb = ox_basis_root (b);
  uint64_t na = ox_root_nchunks (ra), nb = ox_root_nchunks (rb), i;
  struct run run = { 0, 0, 0 };

  for (i = 0; i < nb; i++) {
    uint64_t start, len;
    int zero, r = chunk_differs (a, na, b, i, &zero);
    if (r == -1)
      return -1;
    if (!r)
      continue;
    ox_chunk_range (rb->volume_size, rb->chunk_size, i, &start, &len);
    if (run.end == start && run.zero == zero)
      run.end = start + len;
    else {
      emit (d, &run);
      run = (struct run){ start, start + len, zero };
    }
  }
  emit (d, &run);
  return 0;
}

static void
json_side (struct ox_json *j, const char *key, const struct ox_root *r)
{
  ox_json_object (j, key);
  ox_json_string (j, "volume", r->volume);
  ox_json_id (j, "snapshot", r->snapshot_id);
  ox_json_uint (j, "size", r->volume_size);
  ox_json_end (j);
}

/* Open the basis of snapshot SPEC. */
static struct ox_basis *
open_spec (struct cli *c, const char *spec)
{
  struct ox_root *root;
  struct ox_basis *b;

  if (ox_snapshot_resolve (c->store, &c->keys, &c->hw, spec, &root) == -1
      || ox_basis_open (c->store, &c->keys, root, &b) == -1)
    return NULL;
  return b;
}

int
cmd_diff (struct cli *c, int argc, char **argv)
{
  struct ox_basis *a = NULL, *b = NULL;
  const struct ox_root *ra, *rb;
  struct diff d;
  int status = 1;

  if (argc != 3) {
    ox_error ("usage: oxsnap diff STORE VOLUME[@ID|:TAG] VOLUME[@ID|:TAG]");
    return 2;
  }
  if (cli_open_store (c, argv[0]) == -1 || !(a = open_spec (c, argv[1]))
      || !(b = open_spec (c, argv[2])))
    goto out;
  ra = ox_basis_root (a);
  rb = ox_basis_root (b);
  if (ra->chunk_size != rb->chunk_size) {
    ox_error ("diff: %s has chunks of %" PRIu32 " bytes and %s of %" PRIu32
              "; manifests of other chunk sizes cannot be compared",
              argv[1], ra->chunk_size, argv[2], rb->chunk_size);
    goto out;
  }
  memset (&d, 0, sizeof d);
  d.c = c;
  if (c->json) {
    ox_json_init (&d.j, stdout);
    ox_json_object (&d.j, NULL);
    json_side (&d.j, "from", ra);
    json_side (&d.j, "to", rb);
    ox_json_uint (&d.j, "chunk_size", rb->chunk_size);
    ox_json_array (&d.j, "extents");
  }
  if (walk (&d, a, b) == -1)
    goto out;
  if (c->json) {
    ox_json_end (&d.j);
    ox_json_uint (&d.j, "extents_count", d.extents);
    ox_json_uint (&d.j, "changed_bytes", d.bytes);
    ox_json_end (&d.j);
    if (ox_json_finish (&d.j) == -1)
      goto out;
  }
  if (!c->quiet)
    fprintf (stderr,
             "oxsnap: %s -> %s: %" PRIu64 " extents, %" PRIu64
             " bytes differ\n",
             argv[1], argv[2], d.extents, d.bytes);
  status = 0;
out:
  ox_basis_close (a);
  ox_basis_close (b);
  return status;
}
