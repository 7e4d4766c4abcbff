/* ox: local high-water marks for rollback detection (highwater.h). */
#include "highwater.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "log.h"
#include "names.h"

/* A state file holds this many volumes at most (a sanity bound). */
#define MAX_VOLUMES 65536

int
ox_highwater_dir (const char *opt, char **out)
{
  const char *e;
  int r;

  *out = NULL;
  if (opt && *opt)
    r = asprintf (out, "%s", opt);
  else if ((e = getenv ("OX_STATE_DIR")) && *e)
    r = asprintf (out, "%s", e);
  else if ((e = getenv ("XDG_STATE_HOME")) && *e == '/') /* XDG: absolute */
    r = asprintf (out, "%s/ox", e);
  else if ((e = getenv ("HOME")) && *e)
    r = asprintf (out, "%s/.local/state/ox", e);
  else {
    errno = ENOENT; /* the caller decides */
    return -1;
  }
  if (r < 0) {
    *out = NULL;
    ox_error ("asprintf: %m");
    return -1;
  }
  return 0;
}

/* DIR/<hex>SUFFIX into a malloc'd string, or NULL with an error. */
static char *
state_path (const char *dir, const uint8_t store_id[OX_STORE_ID_LEN],
            const char *suffix)
{
  char hex[2 * OX_STORE_ID_LEN + 1];
  char *p;

  ox_hex (store_id, OX_STORE_ID_LEN, hex);
  if (asprintf (&p, "%s/%s%s", dir, hex, suffix) < 0) {
    ox_error ("asprintf: %m");
    return NULL;
  }
  return p;
}

/* One volume's mark in the state file. */
struct mark {
  char name[OX_NAME_MAX + 1];
  uint64_t id;
};

/* Read the state file PATH into a malloc'd array *MARKS of *N (none and
 * NULL if it does not exist). Returns 0, or -1 with an error. */
static int
read_marks (const char *path, struct mark **marks, size_t *n)
{
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0, lcap = 0, lineno = 0;
  FILE *f;
  ssize_t len;

  *marks = NULL;
  *n = 0;
  f = fopen (path, "re");
  if (f == NULL) {
    if (errno == ENOENT)
      return 0;
    ox_error ("%s: %m", path);
    return -1;
  }
  while ((len = getline (&line, &lcap, f)) != -1) {
    char *sp = strchr (line, ' ');
    struct mark m;

    lineno++;
    if (len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if (sp == NULL || (size_t)(sp - line) > OX_NAME_MAX || *n >= MAX_VOLUMES)
      goto bad;
    *sp = '\0';
    if (!ox_name_valid (line) || strlen (sp + 1) != 16
        || ox_unhex_u64 (sp + 1, 16, &m.id) == -1)
      goto bad;
    strcpy (m.name, line);
    if (*n == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      struct mark *p = realloc (*marks, ncap * sizeof *p);
      if (p == NULL) {
        ox_error ("realloc: %m");
        goto err;
      }
      *marks = p;
      cap = ncap;
    }
    (*marks)[(*n)++] = m;
  }
  if (ferror (f)) { /* not the end: a rewrite would drop the rest */
    ox_error ("%s: read: %m", path);
    goto err;
  }
  fclose (f);
  return 0;

bad:
  ox_error ("%s, line %zu: not \"VOLUME <16 hex digits>\" (a damaged state "
            "file of rollback detection: remove it to start afresh)",
            path, lineno);
err:
  fclose (f);
  free (*marks);
  *marks = NULL;
  *n = 0;
  return -1;
}

int
ox_highwater_get (const char *dir, const uint8_t store_id[OX_STORE_ID_LEN],
                  const char *volume, uint64_t *mark)
{
  CLEANUP_FREE char *path = state_path (dir, store_id, "");
  CLEANUP_FREE struct mark *marks = NULL;
  size_t n;

  *mark = 0;
  if (path == NULL || read_marks (path, &marks, &n) == -1)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp (marks[i].name, volume) == 0 && marks[i].id > *mark)
      *mark = marks[i].id;
  return 0;
}

/* Make DIR and its missing parents (mode 0700). Returns 0 or -1. */
static int
make_dirs (const char *dir)
{
  CLEANUP_FREE char *p = strdup (dir);

  if (p == NULL) {
    ox_error ("strdup: %m");
    return -1;
  }
  for (char *s = p + 1;; s++) {
    if (*s == '/' || *s == '\0') {
      char c = *s;
      *s = '\0';
      if (mkdir (p, 0700) == -1 && errno != EEXIST) {
        ox_error ("mkdir %s: %m", p);
        return -1;
      }
      *s = c;
      if (c == '\0')
        return 0;
    }
  }
}

/* Write MARKS (N, with VOLUME set to ID) to PATH atomically. */
static int
write_marks (const char *path, const struct mark *marks, size_t n,
             const char *volume, uint64_t id)
{
  CLEANUP_FREE char *text = NULL;
  size_t len = 0, cap = (n + 1) * (OX_NAME_MAX + 19) + 1;
  const char *step;
  int found = 0, dfd, r;

  text = malloc (cap);
  if (text == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t v = marks[i].id;
    if (strcmp (marks[i].name, volume) == 0) {
      if (found)
        continue; /* a duplicate line: keep one */
      found = 1;
      v = id;
    }
    len += snprintf (text + len, cap - len, "%s %016" PRIx64 "\n",
                     marks[i].name, v);
  }
  if (!found)
    len += snprintf (text + len, cap - len, "%s %016" PRIx64 "\n", volume, id);
  dfd = ox_open_parent_dir (path);
  if (dfd == -1) {
    ox_error ("%s: open directory: %m", path);
    return -1;
  }
  r = ox_write_file_atomic (dfd, strrchr (path, '/') + 1, text, len, NULL,
                            &step);
  if (r == -1)
    ox_error ("%s: %s: %m", path, step);
  close (dfd);
  return r;
}

int
ox_highwater_update (const char *dir, const uint8_t store_id[OX_STORE_ID_LEN],
                     const char *volume, uint64_t id, uint64_t lower_from)
{
  CLEANUP_FREE char *path = state_path (dir, store_id, "");
  CLEANUP_FREE char *lock = state_path (dir, store_id, ".lock");
  CLEANUP_FREE struct mark *marks = NULL;
  size_t n;
  uint64_t cur = 0;
  int fd, r = -1;

  if (path == NULL || lock == NULL || make_dirs (dir) == -1)
    return -1;
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name \"%s\"", volume);
    return -1;
  }
  fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd == -1) {
    ox_error ("%s: %m", lock);
    return -1;
  }
  if (flock (fd, LOCK_EX) == -1) {
    ox_error ("flock %s: %m", lock);
    goto out;
  }
  if (read_marks (path, &marks, &n) == -1)
    goto out;
  for (size_t i = 0; i < n; i++)
    if (strcmp (marks[i].name, volume) == 0 && marks[i].id > cur)
      cur = marks[i].id;
  if (cur == id || (cur > id && cur > lower_from)) {
    r = 0; /* nothing to change */
    goto out;
  }
  r = write_marks (path, marks, n, volume, id);
out:
  close (fd); /* and the lock with it */
  return r;
}
