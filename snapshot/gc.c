/* oxsnap gc: garbage collection (repo/gc.h): progress on stderr, then a
 * summary of what was found, deleted and condemned, and what it cost. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "countstore.h"
#include "gc.h"
#include "json.h"
#include "log.h"
#include "progress.h"
#include "units.h"

struct gc_progress {
  int enabled;
  double last;
  enum ox_gc_phase phase;
  int open; /* a progress line is on the screen */
};

static void
show (void *arg, enum ox_gc_phase phase, uint64_t done, uint64_t total)
{
  static const char *const what[] = { "listing", "reading pages", "deleting" };
  struct gc_progress *p = arg;
  double now = progress_now ();

  if (!p->enabled)
    return;
  if (phase == p->phase && now - p->last < 0.25 && done < total)
    return;
  if (phase != p->phase && p->open)
    fputc ('\n', stderr);
  p->phase = phase;
  p->last = now;
  p->open = 1;
  if (total)
    fprintf (stderr, "\rgc: %s: %" PRIu64 " / %" PRIu64 " (%3.0f%%)   ",
             what[phase], done, total, 100.0 * done / total);
  else
    fprintf (stderr, "\rgc: %s: %" PRIu64 " objects   ", what[phase], done);
  fflush (stderr);
}

static void
print_json (struct cli *c, const struct ox_gc_stats *s, uint64_t requests,
            double secs)
{
  struct ox_json j;

  ox_json_init (&j, stdout);
  ox_json_object (&j, NULL);
  ox_json_bool (&j, "dry_run", c->dry_run);
  ox_json_uint (&j, "grace_seconds", c->grace);
  ox_json_uint (&j, "roots", s->roots);
  ox_json_uint (&j, "pinned_leases", s->pins);
  ox_json_uint (&j, "blocking_leases", s->blocking);
  ox_json_uint (&j, "objects", s->objects);
  ox_json_uint (&j, "bytes", s->bytes);
  ox_json_uint (&j, "live_pages", s->live_pages);
  ox_json_uint (&j, "live_segments", s->live_segments);
  ox_json_uint (&j, "unreferenced", s->unreferenced);
  ox_json_uint (&j, "unreferenced_bytes", s->unreferenced_bytes);
  ox_json_uint (&j, "deleted", s->deleted);
  ox_json_uint (&j, "deleted_bytes", s->deleted_bytes);
  ox_json_uint (&j, "condemned", s->condemned);
  ox_json_uint (&j, "condemned_bytes", s->condemned_bytes);
  ox_json_uint (&j, "waiting", s->waiting);
  ox_json_uint (&j, "waiting_bytes", s->waiting_bytes);
  ox_json_uint (&j, "revived", s->revived);
  ox_json_uint (&j, "markers_deleted", s->markers);
  ox_json_uint (&j, "traces_deleted", s->traces);
  ox_json_uint (&j, "leases_expired", s->leases_expired);
  ox_json_uint (&j, "store_requests", requests);
  ox_json_double (&j, "seconds", secs);
  ox_json_end (&j);
  ox_json_finish (&j);
}

static void
print_text (struct cli *c, const struct ox_gc_stats *s, uint64_t requests,
            double secs)
{
  char a[32], b[32], g[24];
  const char *verb = c->dry_run ? "would delete" : "deleted";

  printf ("%s%" PRIu64 " segments and pages (%s) in the store; %" PRIu64
          " snapshots and %" PRIu64
          " pinned clones or restores reference %" PRIu64 " pages and %" PRIu64
          " segments\n",
          c->dry_run ? "dry run: " : "", s->objects,
          ox_format_size (s->bytes, a, sizeof a), s->roots, s->pins,
          s->live_pages, s->live_segments);
  if (s->blocking)
    printf ("deleting nothing: work in progress (%s%s); run gc again when "
            "it is done\n",
            s->blocker, s->blocking > 1 ? ", and more" : "");
  printf ("%s %" PRIu64 " objects (%s)", verb, s->deleted,
          ox_format_size (s->deleted_bytes, a, sizeof a));
  if (s->condemned)
    printf ("; %s %" PRIu64 " unreferenced objects (%s), to delete after the "
            "grace period (%s) in a later gc",
            c->dry_run ? "would condemn" : "condemned", s->condemned,
            ox_format_size (s->condemned_bytes, b, sizeof b),
            ox_format_duration (c->grace, g, sizeof g));
  if (s->waiting)
    printf ("; %" PRIu64 " condemned earlier (%s) wait for their grace "
            "period",
            s->waiting, ox_format_size (s->waiting_bytes, b, sizeof b));
  printf ("\n");
  if (s->revived || s->markers || s->traces || s->leases_expired)
    printf ("%" PRIu64
            " condemned objects referenced again (kept); %s %" PRIu64
            " stale resume markers, %" PRIu64 " orphan traces, %" PRIu64
            " expired leases\n",
            s->revived, verb, s->markers, s->traces, s->leases_expired);
  printf ("%" PRIu64 " store requests, %.1f s\n", requests, secs);
}

int
cmd_gc (struct cli *c, int argc, char **argv)
{
  struct ox_gc_options o = { 0 };
  struct ox_gc_stats s;
  struct gc_progress p
      = { .enabled = c->progress && !c->quiet, .phase = OX_GC_LIST };
  struct ox_store_counts counts;
  uint64_t requests = 0;
  double start = progress_now ();
  int r;

  if (argc != 1) {
    ox_error ("usage: oxsnap gc STORE [--dry-run] [--grace DURATION]");
    return 2;
  }
  if (cli_open_store (c, argv[0]) == -1)
    return 1;
  if (ox_count_store_wrap (c->store, &c->store) == -1) {
    c->store = NULL;
    cli_close_store (c);
    return 1;
  }
  o.grace = c->grace;
  o.dry_run = c->dry_run;
  o.jobs = c->jobs > 0 ? c->jobs : CLI_DEFAULT_GC_JOBS;
  o.progress = show;
  o.progress_arg = &p;
  r = ox_gc_run (c->store, &c->keys, &o, &s);
  if (p.open)
    fputc ('\n', stderr);
  if (ox_count_store_get (c->store, &counts) == 0)
    for (int i = 0; i < OX_OP_COUNT; i++)
      requests += counts.calls[i];
  cli_close_store (c);
  if (r == -1)
    return 1;
  if (c->json)
    print_json (c, &s, requests, progress_now () - start);
  else if (!c->quiet)
    print_text (c, &s, requests, progress_now () - start);
  return 0;
}
