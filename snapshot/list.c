/* oxsnap list, info and tag: read-only views of a store, and tagging. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "units.h"
#include "catalog.h"
#include "objects.h"

static const char *
format_time (uint64_t t, char *buf, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r (&tt, &tm);
  strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/* Print the tags naming ID, comma-separated, or "-". */
static void
print_tags (const struct ox_tag_list *t, uint64_t id)
{
  size_t i;
  int any = 0;
  for (i = 0; i < t->n; i++)
    if (t->ids[i] == id) {
      printf ("%s%s", any ? "," : "", t->names[i]);
      any = 1;
    }
  if (!any)
    printf ("-");
}

/* The tags naming ID as a JSON array member KEY. */
static void
json_tags (struct ox_json *j, const char *key, const struct ox_tag_list *t,
           uint64_t id)
{
  ox_json_array (j, key);
  for (size_t i = 0; i < t->n; i++)
    if (t->ids[i] == id)
      ox_json_string (j, NULL, t->names[i]);
  ox_json_end (j);
}

/* One snapshot of "list STORE VOLUME --json". */
static void
json_snapshot (struct ox_json *j, const struct ox_root *root,
               const struct ox_tag_list *t)
{
  char tb[32];

  ox_json_object (j, NULL);
  ox_json_id (j, "id", root->snapshot_id);
  ox_json_string (j, "created", format_time (root->created, tb, sizeof tb));
  ox_json_uint (j, "created_unix", root->created);
  ox_json_uint (j, "size", root->volume_size);
  ox_json_uint (j, "stored_bytes", root->stored_bytes);
  json_tags (j, "tags", t, root->snapshot_id);
  ox_json_end (j);
}

static int
list_snapshots (struct cli *c, const char *volume)
{
  uint64_t *ids = NULL;
  size_t n, i;
  struct ox_tag_list t;
  struct ox_json j;
  int r = 0;

  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name '%s'", volume);
    return 1;
  }
  if (ox_snapshot_list (c->store, volume, &ids, &n) == -1)
    return 1;
  if (ox_tag_list (c->store, &c->keys, volume, &t) == -1) {
    free (ids);
    return 1;
  }
  ox_json_init (&j, stdout);
  if (c->json) {
    ox_json_object (&j, NULL);
    ox_json_string (&j, "volume", volume);
    ox_json_array (&j, "snapshots");
  } else
    printf ("%-16s  %-20s  %12s  %12s  %s\n", "SNAPSHOT", "CREATED", "SIZE",
            "STORED", "TAGS");
  for (i = 0; i < n; i++) {
    struct ox_root *root = NULL;
    char tb[32], a[32], b[32];
    if (ox_root_get (c->store, &c->keys, volume, ids[i], &root) == -1) {
      r = 1;
      continue;
    }
    if (c->json) {
      json_snapshot (&j, root, &t);
      ox_root_free (root);
      continue;
    }
    printf ("%016" PRIx64 "  %-20s  %12s  %12s  ", ids[i],
            format_time (root->created, tb, sizeof tb),
            ox_format_size (root->volume_size, a, sizeof a),
            ox_format_size (root->stored_bytes, b, sizeof b));
    print_tags (&t, ids[i]);
    printf ("\n");
    ox_root_free (root);
  }
  if (c->json) {
    ox_json_end (&j);
    ox_json_end (&j);
    if (ox_json_finish (&j) == -1)
      r = 1;
  }
  if (n == 0)
    fprintf (stderr, "oxsnap: volume %s has no snapshots\n", volume);
  ox_tag_list_free (&t);
  free (ids);
  return r;
}

static int
list_all (struct cli *c)
{
  char **names = NULL;
  size_t n = 0, i;
  struct ox_json j;
  int r = 0;

  if (ox_volume_list (c->store, &names, &n) == -1)
    return 1;
  ox_json_init (&j, stdout);
  if (c->json) {
    ox_json_object (&j, NULL);
    ox_json_array (&j, "volumes");
  } else
    printf ("%-32s  %9s  %-16s  %-20s\n", "VOLUME", "SNAPSHOTS", "NEWEST",
            "CREATED");
  for (i = 0; i < n; i++) {
    uint64_t *ids = NULL;
    size_t k;
    char tb[32];
    if (ox_snapshot_list (c->store, names[i], &ids, &k) == -1 || k == 0)
      r = 1;
    else if (c->json) {
      ox_json_object (&j, NULL);
      ox_json_string (&j, "name", names[i]);
      ox_json_uint (&j, "snapshots", k);
      ox_json_id (&j, "newest", ids[k - 1]);
      ox_json_string (&j, "newest_created",
                      format_time (ids[k - 1] >> 24, tb, sizeof tb));
      ox_json_end (&j);
    } else
      printf ("%-32s  %9zu  %016" PRIx64 "  %-20s\n", names[i], k, ids[k - 1],
              format_time (ids[k - 1] >> 24, tb, sizeof tb));
    free (ids);
    free (names[i]);
  }
  free (names);
  if (c->json) {
    ox_json_end (&j);
    ox_json_end (&j);
    if (ox_json_finish (&j) == -1)
      r = 1;
  }
  return r;
}

int
cmd_list (struct cli *c, int argc, char **argv)
{
  if (argc < 1 || argc > 2) {
    ox_error ("usage: oxsnap list STORE [VOLUME]");
    return 2;
  }
  if (cli_open_store (c, argv[0]) == -1)
    return 1;
  return argc == 2 ? list_snapshots (c, argv[1]) : list_all (c);
}

/* The volume of R's parent (R's own unless the root names another). */
static const char *
parent_volume (const struct ox_root *r)
{
  return r->parent_volume[0] ? r->parent_volume : r->volume;
}

/* "info --json": the snapshot R as one JSON document (see oxsnap(1)). */
static int
json_info (const struct cli *c, const struct ox_root *r,
           const struct ox_tag_list *t, uint64_t data_bytes)
{
  uint64_t nchunks = ox_root_nchunks (r);
  struct ox_json j;
  char tb[32];

  ox_json_init (&j, stdout);
  ox_json_object (&j, NULL);
  ox_json_string (&j, "volume", r->volume);
  ox_json_id (&j, "snapshot", r->snapshot_id);
  ox_json_string (&j, "created", format_time (r->created, tb, sizeof tb));
  ox_json_uint (&j, "created_unix", r->created);
  if (r->parent_id) {
    ox_json_id (&j, "parent", r->parent_id);
    ox_json_string (&j, "parent_volume", parent_volume (r));
  } else {
    ox_json_null (&j, "parent");
    ox_json_null (&j, "parent_volume");
  }
  json_tags (&j, "tags", t, r->snapshot_id);
  ox_json_uint (&j, "size", r->volume_size);
  ox_json_uint (&j, "chunk_size", r->chunk_size);
  ox_json_uint (&j, "chunks", nchunks);
  ox_json_uint (&j, "data_chunks", r->data_chunks);
  ox_json_uint (&j, "zero_chunks", nchunks - r->data_chunks);
  ox_json_uint (&j, "new_chunks", r->new_chunks);
  ox_json_uint (&j, "deduplicated_chunks",
                r->data_chunks - r->new_chunks - r->reused_chunks);
  ox_json_uint (&j, "reused_chunks", r->reused_chunks);
  ox_json_uint (&j, "data_bytes", data_bytes);
  ox_json_uint (&j, "stored_bytes", r->stored_bytes);
  if (r->stored_bytes)
    ox_json_double (&j, "ratio", (double)data_bytes / (double)r->stored_bytes);
  else
    ox_json_null (&j, "ratio");
  ox_json_uint (&j, "manifest_pages", r->npages);
  ox_json_bool (&j, "encrypted", c->keys.encrypted);
  ox_json_end (&j);
  return ox_json_finish (&j) == -1 ? 1 : 0;
}

int
cmd_info (struct cli *c, int argc, char **argv)
{
  struct ox_root *r = NULL;
  struct ox_tag_list t;
  char a[32], b[32], tb[32];
  uint64_t nchunks, data_bytes;

  if (argc != 2) {
    ox_error ("usage: oxsnap info STORE VOLUME[@ID|:TAG]");
    return 2;
  }
  if (cli_open_store (c, argv[0]) == -1
      || ox_snapshot_resolve (c->store, &c->keys, &c->hw, argv[1], &r) == -1)
    return 1;
  if (ox_tag_list (c->store, &c->keys, r->volume, &t) == -1) {
    ox_root_free (r);
    return 1;
  }
  nchunks = ox_root_nchunks (r);
  data_bytes = r->data_chunks * (uint64_t)r->chunk_size;
  if (data_bytes > r->volume_size)
    data_bytes = r->volume_size;
  if (c->json) {
    int status = json_info (c, r, &t, data_bytes);
    ox_tag_list_free (&t);
    ox_root_free (r);
    return status;
  }
  printf ("volume:          %s\n", r->volume);
  printf ("snapshot:        %016" PRIx64 "\n", r->snapshot_id);
  printf ("created:         %s\n", format_time (r->created, tb, sizeof tb));
  if (r->parent_id)
    printf ("parent:          %s@%016" PRIx64 "\n", parent_volume (r),
            r->parent_id);
  else
    printf ("parent:          - (full snapshot)\n");
  printf ("tags:            ");
  print_tags (&t, r->snapshot_id);
  printf ("\n");
  printf ("size:            %s (%" PRIu64 " bytes)\n",
          ox_format_size (r->volume_size, a, sizeof a), r->volume_size);
  printf ("chunk size:      %s\n",
          ox_format_size (r->chunk_size, a, sizeof a));
  printf ("chunks:          %" PRIu64 " (%" PRIu64 " with data, %" PRIu64
          " zero)\n",
          nchunks, r->data_chunks, nchunks - r->data_chunks);
  printf ("new chunks:      %" PRIu64 " (%" PRIu64 " deduplicated",
          r->new_chunks, r->data_chunks - r->new_chunks - r->reused_chunks);
  if (r->parent_id || r->reused_chunks)
    printf (", %" PRIu64 " stored before", r->reused_chunks);
  printf (")\n");
  printf ("data:            %s\n", ox_format_size (data_bytes, a, sizeof a));
  printf ("stored:          %s\n",
          ox_format_size (r->stored_bytes, b, sizeof b));
  if (r->stored_bytes)
    printf ("ratio:           %.2fx\n",
            (double)data_bytes / (double)r->stored_bytes);
  printf ("manifest pages:  %" PRIu32 "\n", r->npages);
  printf ("encrypted:       %s\n", c->keys.encrypted ? "yes" : "no");
  ox_tag_list_free (&t);
  ox_root_free (r);
  return 0;
}

int
cmd_tag (struct cli *c, int argc, char **argv)
{
  struct ox_root *r = NULL;
  int status;

  if (argc != 3) {
    ox_error ("usage: oxsnap tag STORE VOLUME[@ID|:TAG] NEWTAG");
    return 2;
  }
  if (!ox_name_valid (argv[2])) {
    ox_error ("invalid tag name '%s'", argv[2]);
    return 2;
  }
  if (cli_open_store (c, argv[0]) == -1
      || ox_snapshot_resolve (c->store, &c->keys, &c->hw, argv[1], &r) == -1)
    return 1;
  status = ox_tag_put (c->store, &c->keys, r->volume, argv[2], r->snapshot_id)
           == -1;
  if (!status && !c->quiet)
    fprintf (stderr, "oxsnap: tagged %s@%016" PRIx64 " as %s:%s\n", r->volume,
             r->snapshot_id, r->volume, argv[2]);
  ox_root_free (r);
  return status;
}
