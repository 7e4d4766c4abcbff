/* Test the local high-water marks (highwater.c): the directory rules, the
 * file's bytes, raise-only updates and lowering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "highwater.h"
#include "testlib.h"

static void
check_file (const char *path, const char *want)
{
  char buf[256];
  FILE *f = fopen (path, "r");
  size_t n;

  CHECK (f != NULL);
  n = fread (buf, 1, sizeof buf - 1, f);
  fclose (f);
  buf[n] = '\0';
  if (strcmp (buf, want) != 0) {
    fprintf (stderr, "%s: got \"%s\", want \"%s\"\n", path, buf, want);
    exit (1);
  }
}

int
main (void)
{
  char *tmp = ox_test_tmpdir ("ox-test-highwater");
  char dir[512], path[600], *d;
  uint8_t sid[OX_STORE_ID_LEN], sid2[OX_STORE_ID_LEN];
  uint64_t m = 99;

  ox_test_capture (0);
  CHECK (ox_highwater_dir ("/x/y", &d) == 0 && strcmp (d, "/x/y") == 0);
  free (d);
  setenv ("OX_STATE_DIR", "/s", 1);
  CHECK (ox_highwater_dir (NULL, &d) == 0 && strcmp (d, "/s") == 0);
  free (d);
  unsetenv ("OX_STATE_DIR");
  setenv ("XDG_STATE_HOME", "/xdg", 1);
  CHECK (ox_highwater_dir (NULL, &d) == 0 && strcmp (d, "/xdg/ox") == 0);
  free (d);
  setenv ("XDG_STATE_HOME", "rel", 1); /* relative: ignored (XDG rules) */
  setenv ("HOME", "/home/u", 1);
  CHECK (ox_highwater_dir (NULL, &d) == 0
         && strcmp (d, "/home/u/.local/state/ox") == 0);
  free (d);
  unsetenv ("XDG_STATE_HOME");
  CHECK (ox_highwater_dir (NULL, &d) == 0
         && strcmp (d, "/home/u/.local/state/ox") == 0);
  free (d);
  unsetenv ("HOME");
  CHECK (ox_highwater_dir (NULL, &d) == -1 && d == NULL);

  memset (sid, 0xab, sizeof sid);
  memset (sid2, 0x01, sizeof sid2);
  snprintf (dir, sizeof dir, "%s/a/b", tmp); /* made on the first update */
  snprintf (path, sizeof path, "%s/abababababababababababababababab", dir);
  CHECK (ox_highwater_get (dir, sid, "vm1", &m) == 0 && m == 0);
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x500, 0) == 0);
  check_file (path, "vm1 0000000000000500\n");
  CHECK (ox_highwater_update (dir, sid, "vm2", 0x10, 0) == 0);
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x400, 0) == 0); /* no */
  check_file (path, "vm1 0000000000000500\nvm2 0000000000000010\n");
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x600, 0) == 0);
  CHECK (ox_highwater_get (dir, sid, "vm1", &m) == 0 && m == 0x600);
  CHECK (ox_highwater_get (dir, sid, "vm2", &m) == 0 && m == 0x10);
  CHECK (ox_highwater_get (dir, sid2, "vm1", &m) == 0 && m == 0);
  /* Lowering from a mark another process raised meanwhile changes nothing;
   * from the mark itself, it lowers. */
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x300, 0x5ff) == 0);
  CHECK (ox_highwater_get (dir, sid, "vm1", &m) == 0 && m == 0x600);
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x300, 0x600) == 0); /* lower */
  check_file (path, "vm1 0000000000000300\nvm2 0000000000000010\n");

  /* A damaged file is an error, not a mark of 0. */
  ox_test_write_file (path, "vm1 zz\n", 7);
  ox_test_reset_log ();
  CHECK (ox_highwater_get (dir, sid, "vm1", &m) == -1);
  CHECK_ERROR ("line 1");
  CHECK (ox_highwater_update (dir, sid, "vm1", 0x700, 0) == -1);
  CHECK (ox_highwater_update (dir, sid, "bad/name", 1, 0) == -1);

  CHECK (ox_test_rmtree (tmp) == 0);
  free (tmp);
  return 0;
}
