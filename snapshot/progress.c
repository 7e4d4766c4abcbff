/* oxsnap: a progress line on stderr. */
#include "progress.h"

#include <stdio.h>
#include <time.h>

#include "monotime.h"
#include "units.h"

double
progress_now (void)
{
  return ox_now_s ();
}

void
progress_start (struct progress *p, int enabled, const char *what,
                uint64_t total)
{
  p->enabled = enabled;
  p->what = what;
  p->total = total;
  p->start = p->last = progress_now ();
}

void
progress_update (struct progress *p, uint64_t done)
{
  double now;
  char a[32], b[32];

  if (!p->enabled)
    return;
  now = progress_now ();
  if (now - p->last < 0.25 && done < p->total)
    return;
  p->last = now;
  fprintf (stderr, "\r%s: %s / %s (%3.0f%%) %6.1f MB/s   ", p->what,
           ox_format_size (done, a, sizeof a),
           ox_format_size (p->total, b, sizeof b),
           p->total ? 100.0 * done / p->total : 100.0,
           done / 1e6 / (now - p->start > 1e-6 ? now - p->start : 1e-6));
  fflush (stderr);
}

void
progress_end (struct progress *p)
{
  if (p->enabled)
    fputc ('\n', stderr);
}
