/* Test the key sources (keysource.c): key files of exactly 32 bytes (read,
 * created with mode 0600 and random bytes when asked, refused when short,
 * long or missing), passphrase files (one trailing newline dropped, empty
 * and oversized ones refused), a direct passphrase, the count of sources
 * given, the warning for a secret readable by others, and that freeing
 * wipes the secret. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keysource.h"
#include "test.h"
#include "testlib.h"

static char *dir;

static void
test_key_file (void)
{
  uint8_t key[OX_KEY_FILE_LEN];
  struct ox_secret s;
  char path[4096];

  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (uint8_t)(i * 7 + 1);
  snprintf (path, sizeof path, "%s", ox_test_path (dir, "key"));
  ox_test_write_file (path, key, sizeof key);
  chmod (path, 0600);
  struct ox_key_source src = { .key_file = path };
  CHECK_EQ_INT (ox_key_sources_given (&src), 1);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), 0);
  CHECK_EQ_INT (s.type, OX_SECRET_KEY_FILE);
  CHECK_EQ_INT ((int)s.len, OX_KEY_FILE_LEN);
  CHECK_MEM (s.data, key, sizeof key);
  CHECK (strcmp (s.what, path) == 0);
  CHECK_EQ_INT (ox_test_warnings (), 0);
  ox_secret_free (&s);
  CHECK (s.data == NULL && s.len == 0);

  /* Readable by others: loaded, with a warning naming the fix. */
  chmod (path, 0644);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_MESSAGE ("chmod 600");
  ox_secret_free (&s);

  /* 31 and 33 bytes: refused, saying how many it holds. */
  ox_test_write_file (path, key, 31);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), -1);
  CHECK_ERROR ("must hold exactly 32 raw bytes (it holds 31)");
  uint8_t big[33] = { 0 };
  ox_test_write_file (path, big, sizeof big);
  CHECK_EQ_INT (ox_secret_load (&src, 1, &s), -1);
  CHECK_ERROR ("(it holds more than 32)");

  /* Missing without create: refused. */
  struct ox_key_source missing = { .key_file = ox_test_path (dir, "none") };
  CHECK_EQ_INT (ox_secret_load (&missing, 0, &s), -1);
  CHECK_ERROR ("cannot open key file");
}

static void
test_key_file_create (void)
{
  struct ox_secret s, again;
  struct stat sb;
  char path[4096];

  snprintf (path, sizeof path, "%s", ox_test_path (dir, "new-key"));
  struct ox_key_source src = { .key_file = path };
  umask (0);
  CHECK_EQ_INT (ox_secret_load (&src, 1, &s), 0);
  umask (022);
  CHECK_EQ_INT (stat (path, &sb), 0);
  CHECK_EQ_INT ((int)(sb.st_mode & 07777), 0600);
  CHECK_EQ_INT ((int)sb.st_size, OX_KEY_FILE_LEN);
  /* Random: not all zero; read back, the same bytes. */
  uint8_t zero[OX_KEY_FILE_LEN] = { 0 };
  CHECK (memcmp (s.data, zero, sizeof zero) != 0);
  CHECK_EQ_INT (ox_secret_load (&src, 1, &again), 0);
  CHECK_MEM (again.data, s.data, OX_KEY_FILE_LEN);
  ox_secret_free (&s);
  ox_secret_free (&again);

  /* A directory that does not exist: refused, nothing left. */
  struct ox_key_source bad = { .key_file = "/nonexistent-dir/key" };
  CHECK_EQ_INT (ox_secret_load (&bad, 1, &s), -1);
  CHECK_ERROR ("cannot create key file /nonexistent-dir/key");
}

static void
test_passphrase (void)
{
  struct ox_secret s;
  char path[4096];

  snprintf (path, sizeof path, "%s", ox_test_path (dir, "pass"));
  ox_test_write_file (path, "correct horse\n", 14);
  chmod (path, 0600);
  struct ox_key_source src = { .passphrase_file = path };
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), 0);
  CHECK_EQ_INT (s.type, OX_SECRET_PASSPHRASE);
  CHECK_EQ_INT ((int)s.len, 13);
  CHECK_MEM (s.data, "correct horse", 13);
  ox_secret_free (&s);

  /* Only one newline goes. */
  ox_test_write_file (path, "x\n\n", 3);
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), 0);
  CHECK_EQ_INT ((int)s.len, 2);
  CHECK_MEM (s.data, "x\n", 2);
  ox_secret_free (&s);

  /* Empty (or a lone newline): refused. */
  ox_test_write_file (path, "\n", 1);
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), -1);
  CHECK_ERROR ("is empty");

  /* Over 64 KiB: refused. */
  size_t n = 64 * 1024 + 1;
  char *big = malloc (n);
  CHECK (big != NULL);
  memset (big, 'a', n);
  ox_test_write_file (path, big, n);
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), -1);
  CHECK_ERROR ("is larger than 65536 bytes");
  /* Exactly 64 KiB: accepted. */
  ox_test_write_file (path, big, n - 1);
  CHECK_EQ_INT (ox_secret_load (&src, 0, &s), 0);
  CHECK_EQ_INT ((int)s.len, (int)(n - 1));
  ox_secret_free (&s);
  free (big);

  /* Given directly. */
  struct ox_key_source direct = { .passphrase = "pw" };
  CHECK_EQ_INT (ox_secret_load (&direct, 0, &s), 0);
  CHECK_EQ_INT (s.type, OX_SECRET_PASSPHRASE);
  CHECK_MEM (s.data, "pw", 2);
  CHECK (strcmp (s.what, "the passphrase") == 0);
  ox_secret_free (&s);
  struct ox_key_source empty = { .passphrase = "" };
  CHECK_EQ_INT (ox_secret_load (&empty, 0, &s), -1);
  CHECK_ERROR ("the passphrase is empty");
}

static void
test_sources_given (void)
{
  struct ox_key_source none = { 0 };
  struct ox_key_source two = { .key_file = "/k", .passphrase = "p" };
  struct ox_key_source three
      = { .key_file = "/k", .passphrase_file = "/f", .passphrase = "p" };
  struct ox_secret zeroed = { 0 };

  CHECK_EQ_INT (ox_key_sources_given (&none), 0);
  CHECK_EQ_INT (ox_key_sources_given (&two), 2);
  CHECK_EQ_INT (ox_key_sources_given (&three), 3);
  ox_secret_free (&zeroed); /* freeing a zeroed secret is a no-op */
}

int
main (void)
{
  ox_test_capture (0);
  dir = ox_test_tmpdir ("test-keysource");
  test_key_file ();
  test_key_file_create ();
  test_passphrase ();
  test_sources_given ();
  ox_test_rmtree (dir);
  free (dir);
  printf ("test-keysource: ok\n");
  return 0;
}
