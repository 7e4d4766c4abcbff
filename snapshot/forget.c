/* oxsnap forget: remove snapshots, named (VOLUME@ID, VOLUME:TAG) or chosen
 * by a retention policy (--keep-*, retention.h), from the catalog: their
 * tags, then their roots. Everything is resolved and loaded first, so that
 * an unknown snapshot or an unreadable root stops the command before
 * anything is deleted. Data (segments, pages) stays for "oxsnap gc"; id
 * reservations stay for good (docs/FORMAT.md 6.3). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "cleanup.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "names.h"
#include "lease.h"
#include "objects.h"
#include "retention.h"

/* One snapshot of a volume in the plan. */
struct fg_snap {
  uint64_t id;
  int64_t created;
  const char **tags; /* the names (in the volume's tag list) naming it */
  size_t ntags;
  struct ox_retention_result res;
};

/* One volume: its tags and the snapshots the plan decides on (with a
 * policy, all of them; else the ones named). */
struct fg_volume {
  char *name;
  struct ox_tag_list tags;
  struct fg_snap *snaps;
  size_t n, cap;
  size_t kept, removed, tags_removed;
};

struct fg_plan {
  struct fg_volume *vols;
  size_t n, cap;
};

static void
plan_free (struct fg_plan *p)
{
  for (size_t i = 0; i < p->n; i++) {
    struct fg_volume *v = &p->vols[i];
    for (size_t k = 0; k < v->n; k++)
      free (v->snaps[k].tags);
    free (v->snaps);
    ox_tag_list_free (&v->tags);
    free (v->name);
  }
  free (p->vols);
}

/* The plan's entry for volume NAME, added (with its tags) if new; NULL on
 * error. */
static struct fg_volume *
plan_volume (struct cli *c, struct fg_plan *p, const char *name)
{
  struct fg_volume *v;

  for (size_t i = 0; i < p->n; i++)
    if (strcmp (p->vols[i].name, name) == 0)
      return &p->vols[i];
  if (p->n == p->cap) {
    size_t ncap = p->cap ? p->cap * 2 : 4;
    void *nv = realloc (p->vols, ncap * sizeof *p->vols);
    if (!nv) {
      ox_error ("realloc: %m");
      return NULL;
    }
    p->vols = nv;
    p->cap = ncap;
  }
  v = &p->vols[p->n];
  memset (v, 0, sizeof *v);
  if (!(v->name = strdup (name))) {
    ox_error ("strdup: %m");
    return NULL;
  }
  if (ox_tag_list (c->store, &c->keys, name, &v->tags) == -1) {
    free (v->name);
    return NULL;
  }
  p->n++;
  return v;
}

/* Add snapshot ID (created at CREATED) to V, once, with its tags. */
static int
volume_add (struct fg_volume *v, uint64_t id, int64_t created)
{
  struct fg_snap *s;

  for (size_t i = 0; i < v->n; i++)
    if (v->snaps[i].id == id)
      return 0; /* named twice */
  if (v->n == v->cap) {
    size_t ncap = v->cap ? v->cap * 2 : 16;
    void *ns = realloc (v->snaps, ncap * sizeof *v->snaps);
    if (!ns) {
      ox_error ("realloc: %m");
      return -1;
    }
    v->snaps = ns;
    v->cap = ncap;
  }
  s = &v->snaps[v->n];
  memset (s, 0, sizeof *s);
  s->id = id;
  s->created = created;
  for (size_t i = 0; i < v->tags.n; i++)
    if (v->tags.ids[i] == id)
      s->ntags++;
  if (s->ntags) {
    size_t k = 0;
    if (!(s->tags = malloc (s->ntags * sizeof *s->tags))) {
      ox_error ("malloc: %m");
      return -1;
    }
    for (size_t i = 0; i < v->tags.n; i++)
      if (v->tags.ids[i] == id)
        s->tags[k++] = v->tags.names[i];
  }
  v->n++;
  return 0;
}

/* Named snapshots: resolve every SPEC (VOLUME@ID or VOLUME:TAG) to its
 * root; each is removed. */
static int
plan_named (struct cli *c, struct fg_plan *p, int n, char **specs)
{
  for (int i = 0; i < n; i++) {
    struct ox_root *r = NULL;
    struct fg_volume *v;
    int rc;

    if (!strchr (specs[i], '@') && !strchr (specs[i], ':')) {
      ox_error ("forget %s: name a snapshot, %s@ID or %s:TAG, or give a "
                "policy (--keep-last, ...); forget never picks the newest "
                "by itself",
                specs[i], specs[i], specs[i]);
      return 2;
    }
    if (ox_snapshot_resolve (c->store, &c->keys, &c->hw, specs[i], &r) == -1)
      return 1;
    v = plan_volume (c, p, r->volume);
    rc = !v || volume_add (v, r->snapshot_id, (int64_t)r->created) == -1;
    ox_root_free (r);
    if (rc)
      return 1;
  }
  return 0;
}

/* A retention policy: load every root of VOLUME (for its time) and decide
 * with ox_retention_apply. */
static int
plan_policy_volume (struct cli *c, struct fg_plan *p, const char *volume)
{
  CLEANUP_FREE uint64_t *ids = NULL;
  CLEANUP_FREE struct ox_retention_item *items = NULL;
  CLEANUP_FREE struct ox_retention_result *res = NULL;
  struct fg_volume *v;
  size_t n;

  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name '%s' (with --keep-* give volumes, not "
              "snapshots)",
              volume);
    return 2;
  }
  if (ox_snapshot_list (c->store, volume, &ids, &n) == -1)
    return 1;
  if (n == 0) {
    ox_error ("volume %s has no snapshots in %s", volume, c->store->url);
    return 1;
  }
  if (!(v = plan_volume (c, p, volume)))
    return 1;
  for (size_t i = 0; i < n; i++) {
    struct ox_root *r = NULL;
    if (ox_root_get (c->store, &c->keys, volume, ids[i], &r) == -1) {
      ox_error ("volume %s: cannot apply the policy without the time of "
                "snapshot %016" PRIx64 "; nothing was removed",
                volume, ids[i]);
      return 1;
    }
    int rc = volume_add (v, ids[i], (int64_t)r->created);
    ox_root_free (r);
    if (rc == -1)
      return 1;
  }
  items = calloc (v->n, sizeof *items);
  res = calloc (v->n, sizeof *res);
  if (!items || !res) {
    ox_error ("calloc: %m");
    return 1;
  }
  for (size_t i = 0; i < v->n; i++) {
    items[i].id = v->snaps[i].id;
    items[i].time = v->snaps[i].created;
    items[i].tags = v->snaps[i].tags;
    items[i].ntags = v->snaps[i].ntags;
  }
  if (ox_retention_apply (&c->keep, items, v->n, res) == -1)
    return 1;
  for (size_t i = 0; i < v->n; i++)
    v->snaps[i].res = res[i];
  return 0;
}

static int
plan_policy (struct cli *c, struct fg_plan *p, int n, char **volumes)
{
  int r = 0;

  if (c->all) {
    char **names = NULL;
    size_t k = 0;
    if (ox_volume_list (c->store, &names, &k) == -1)
      return 1;
    for (size_t i = 0; i < k; i++) {
      if (r == 0)
        r = plan_policy_volume (c, p, names[i]);
      free (names[i]);
    }
    free (names);
    return r;
  }
  for (int i = 0; i < n && r == 0; i++)
    r = plan_policy_volume (c, p, volumes[i]);
  return r;
}

/* TIME in local time (the time the policy's buckets use). */
static const char *
format_local (int64_t t, char *buf, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!localtime_r (&tt, &tm) || !strftime (buf, len, "%FT%T%z", &tm))
    snprintf (buf, len, "%" PRId64, t);
  return buf;
}

/* TIME in UTC, as the JSON documents of oxsnap give times. */
static const char *
format_utc (int64_t t, char *buf, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r (&tt, &tm) || !strftime (buf, len, "%FT%TZ", &tm))
    snprintf (buf, len, "%" PRId64, t);
  return buf;
}

/* Count what V keeps and removes. */
static void
volume_count (struct fg_volume *v)
{
  v->kept = v->removed = 0;
  for (size_t i = 0; i < v->n; i++) {
    if (v->snaps[i].res.keep)
      v->kept++;
    else
      v->removed++;
  }
}

/* The text table of V: one line per snapshot, oldest first. */
static void
print_volume (const struct fg_volume *v)
{
  printf ("volume %s:\n", v->name);
  printf ("%-16s  %-24s  %-6s  %-24s  %s\n", "SNAPSHOT", "CREATED", "ACTION",
          "REASONS", "TAGS");
  for (size_t i = 0; i < v->n; i++) {
    const struct fg_snap *s = &v->snaps[i];
    char tb[48], why[128];
    printf ("%016" PRIx64 "  %-24s  %-6s  %-24s  ", s->id,
            format_local (s->created, tb, sizeof tb),
            s->res.keep ? "keep" : "remove",
            ox_retention_reasons_format (&s->res, why, sizeof why));
    for (size_t k = 0; k < s->ntags; k++)
      printf ("%s%s", k ? "," : "", s->tags[k]);
    printf ("%s\n", s->ntags ? "" : "-");
  }
}

/* V as a member of the JSON document's "volumes" array. */
static void
json_volume (struct ox_json *j, const struct fg_volume *v)
{
  char tb[48];

  ox_json_object (j, NULL);
  ox_json_string (j, "volume", v->name);
  ox_json_uint (j, "kept", v->kept);
  ox_json_uint (j, "removed", v->removed);
  ox_json_array (j, "snapshots");
  for (size_t i = 0; i < v->n; i++) {
    const struct fg_snap *s = &v->snaps[i];
    ox_json_object (j, NULL);
    ox_json_id (j, "id", s->id);
    ox_json_string (j, "created", format_utc (s->created, tb, sizeof tb));
    ox_json_uint (j, "created_unix", (uint64_t)s->created);
    ox_json_string (j, "action", s->res.keep ? "keep" : "remove");
    ox_json_array (j, "reasons");
    for (int b = 0; b < OX_RETENTION_NREASONS; b++)
      if (s->res.reasons & (1u << b)) {
        char name[32];
        snprintf (name, sizeof name, "%s%s",
                  s->res.oldest & (1u << b) ? "oldest-" : "",
                  ox_retention_reason_name (1u << b));
        ox_json_string (j, NULL, name);
      }
    ox_json_end (j);
    ox_json_array (j, "tags");
    for (size_t k = 0; k < s->ntags; k++)
      ox_json_string (j, NULL, s->tags[k]);
    ox_json_end (j);
    ox_json_end (j);
  }
  ox_json_end (j);
  ox_json_end (j);
}

/* Remove what V does not keep: each snapshot's tags (a tag of a forgotten
 * snapshot would dangle), then its root. Returns 0 or -1. */
static int
volume_execute (struct cli *c, struct fg_volume *v)
{
  for (size_t i = 0; i < v->n; i++) {
    const struct fg_snap *s = &v->snaps[i];
    if (s->res.keep)
      continue;
    for (size_t k = 0; k < s->ntags; k++) {
      if (ox_tag_del (c->store, v->name, s->tags[k]) == -1) {
        if (errno != ENOENT)
          return -1;
        ox_warning ("tag %s:%s was already gone", v->name, s->tags[k]);
        continue;
      }
      v->tags_removed++;
      if (!c->json)
        printf ("tag %s:%s removed\n", v->name, s->tags[k]);
    }
    if (ox_snapshot_forget (c->store, &c->keys, v->name, s->id) == -1) {
      if (errno != ENOENT)
        return -1;
      ox_warning ("snapshot %s@%016" PRIx64 " was already gone", v->name,
                  s->id);
      continue;
    }
    if (!c->json)
      printf ("snapshot %s@%016" PRIx64 " removed\n", v->name, s->id);
  }
  return 0;
}

/* Warn about each snapshot the plan removes that a live clone or restore
 * reads (a pinned lease): it goes on working, and gc keeps the snapshot's
 * data until it stops. */
static void
warn_live (struct cli *c, const struct fg_plan *p)
{
  struct ox_lease_entry *l;
  size_t n;

  if (ox_lease_list (c->store, (uint64_t)time (NULL), &l, &n) == -1) {
    ox_warning ("could not list the leases: clones of these snapshots are "
                "not known");
    return;
  }
  for (size_t i = 0; i < p->n; i++)
    for (size_t k = 0; k < p->vols[i].n; k++) {
      const struct fg_snap *s = &p->vols[i].snaps[k];
      if (s->res.keep)
        continue;
      for (size_t e = 0; e < n; e++)
        if (l[e].live && l[e].info.pinned && l[e].info.snap_id == s->id
            && strcmp (l[e].info.volume, p->vols[i].name) == 0)
          ox_warning ("snapshot %s@%016" PRIx64 " is in use: a %s by process "
                      "%" PRIu64 " on %s; it keeps working, and gc keeps "
                      "the snapshot's data until it stops",
                      p->vols[i].name, s->id, l[e].info.kind, l[e].info.pid,
                      l[e].info.host);
    }
  ox_lease_list_free (l, n);
}

/* The summary line of V on stderr. */
static void
print_summary (const struct cli *c, const struct fg_volume *v)
{
  char kept[64] = "";

  if (c->keep_given)
    snprintf (kept, sizeof kept, "%s %zu, ",
              c->dry_run ? "would keep" : "kept", v->kept);
  if (c->dry_run)
    fprintf (stderr,
             "oxsnap: volume %s: %swould remove %zu snapshots (dry run: "
             "nothing removed)\n",
             v->name, kept, v->removed);
  else
    fprintf (stderr,
             "oxsnap: volume %s: %sremoved %zu snapshots and %zu tags (space "
             "is freed by oxsnap gc)\n",
             v->name, kept, v->removed, v->tags_removed);
}

int
cmd_forget (struct cli *c, int argc, char **argv)
{
  struct fg_plan plan = { NULL, 0, 0 };
  struct ox_json j;
  int r;

  if (argc < 1 || (argc < 2 && !c->all) || (c->all && argc > 1)) {
    ox_error ("usage: oxsnap forget STORE VOLUME@ID|VOLUME:TAG..., or "
              "oxsnap forget STORE VOLUME...|--all --keep-...");
    return 2;
  }
  if (c->all && !c->keep_given) {
    ox_error ("forget --all needs a policy (--keep-last, ...)");
    return 2;
  }
  if (c->keep_given && ox_retention_policy_check (&c->keep) == -1)
    return 2;
  if (cli_open_store (c, argv[0]) == -1)
    return 1;
  r = c->keep_given ? plan_policy (c, &plan, argc - 1, argv + 1)
                    : plan_named (c, &plan, argc - 1, argv + 1);
  if (r != 0) {
    plan_free (&plan);
    return r;
  }

  ox_json_init (&j, stdout);
  if (c->json) {
    ox_json_object (&j, NULL);
    ox_json_bool (&j, "dry_run", c->dry_run);
    ox_json_array (&j, "volumes");
  }
  for (size_t i = 0; i < plan.n; i++) {
    volume_count (&plan.vols[i]);
    if (c->json)
      json_volume (&j, &plan.vols[i]);
    else
      print_volume (&plan.vols[i]);
  }
  if (c->json) {
    ox_json_end (&j);
    ox_json_end (&j);
    if (ox_json_finish (&j) == -1)
      r = 1;
  }
  fflush (stdout);

  warn_live (c, &plan);
  for (size_t i = 0; i < plan.n && r == 0; i++) {
    if (!c->dry_run && volume_execute (c, &plan.vols[i]) == -1)
      r = 1;
    else if (!c->quiet)
      print_summary (c, &plan.vols[i]);
  }
  plan_free (&plan);
  return r;
}
