/* ox: key sources: the user's secret, read from a key file (created when
 * asked), a passphrase file or a passphrase given directly. */
#include "keysource.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "fileio.h"
#include "keys.h"
#include "log.h"

#define PASSPHRASE_MAX (64 * 1024)

void
ox_secret_free (struct ox_secret *s)
{
  if (s->data) {
    OPENSSL_cleanse (s->data, s->len);
    free (s->data);
  }
  s->data = NULL;
  s->len = 0;
}

int
ox_key_sources_given (const struct ox_key_source *src)
{
  return !!src->key_file + !!src->passphrase_file + !!src->passphrase;
}

void
ox_warn_exposed_secret (const char *path, int fd)
{
  struct stat sb;

  if ((fd >= 0 ? fstat (fd, &sb) : stat (path, &sb)) == -1)
    return; /* the read that follows reports what is wrong */
  if (!S_ISREG (sb.st_mode) || (sb.st_mode & (S_IRWXG | S_IRWXO)) == 0)
    return; /* a pipe or terminal (-FD), or private */
  ox_warning ("%s holds a secret but other users can %s it (mode %04o): "
              "chmod 600 %s",
              path,
              sb.st_mode & (S_IRGRP | S_IROTH)   ? "read"
              : sb.st_mode & (S_IWGRP | S_IWOTH) ? "write"
                                                 : "access",
              (unsigned)(sb.st_mode & 07777), path);
}

/* Read a key file of exactly 32 bytes from the open FD. */
static int
read_key_fd (int fd, const char *path, struct ox_secret *s)
{
  uint8_t buf[OX_KEY_FILE_LEN + 1];
  ssize_t got = ox_read_full (fd, buf, sizeof buf);
  size_t n = got > 0 ? (size_t)got : 0;

  if (got == -1) {
    ox_error ("cannot read key file %s: %m", path);
    return -1;
  }
  if (n != OX_KEY_FILE_LEN) {
    OPENSSL_cleanse (buf, sizeof buf);
    ox_error ("key file %s must hold exactly %d raw bytes (it holds %s%zu)",
              path, OX_KEY_FILE_LEN, n > OX_KEY_FILE_LEN ? "more than " : "",
              n > OX_KEY_FILE_LEN ? (size_t)OX_KEY_FILE_LEN : n);
    return -1;
  }
  s->data = malloc (OX_KEY_FILE_LEN);
  if (!s->data) {
    OPENSSL_cleanse (buf, sizeof buf);
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (s->data, buf, OX_KEY_FILE_LEN);
  OPENSSL_cleanse (buf, sizeof buf);
  s->len = OX_KEY_FILE_LEN;
  s->type = OX_SECRET_KEY_FILE;
  s->what = path;
  return 0;
}

static int
read_key_file (const char *path, struct ox_secret *s)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd == -1) {
    ox_error ("cannot open key file %s: %m", path);
    return -1;
  }
  ox_warn_exposed_secret (path, fd);
  return read_key_fd (fd, path, s);
}

/* Make the new file PATH durable: fsync it and its directory, so a store
 * is never left behind with its only key lost in a crash. */
static int
sync_new_file (int fd, const char *path)
{
  int dfd, r;

  if (fsync (fd) == -1) {
    ox_error ("fsync of key file %s: %m", path);
    return -1;
  }
  dfd = ox_open_parent_dir (path);
  if (dfd == -1) {
    ox_error ("cannot open the directory of key file %s: %m", path);
    return -1;
  }
  r = fsync (dfd);
  close (dfd);
  if (r == -1) {
    ox_error ("fsync of the directory of key file %s: %m", path);
    return -1;
  }
  return 0;
}

/* Create key file PATH with 32 random bytes, mode 0600. */
static int
write_new_key_file (int fd, const char *path, struct ox_secret *s)
{
  s->data = malloc (OX_KEY_FILE_LEN);
  if (!s->data) {
    ox_error ("malloc: %m");
    return -1;
  }
  s->len = OX_KEY_FILE_LEN;
  s->type = OX_SECRET_KEY_FILE;
  s->what = path;
  /* Exactly 0600 whatever the umask (0777 would leave it unreadable). */
  if (fchmod (fd, 0600) == -1) {
    ox_error ("cannot set the mode of key file %s: %m", path);
    return -1;
  }
  if (ox_random_bytes (s->data, OX_KEY_FILE_LEN) == -1)
    return -1;
  if (ox_write_all (fd, s->data, OX_KEY_FILE_LEN) == -1) {
    ox_error ("cannot write key file %s: %m", path);
    return -1;
  }
  return sync_new_file (fd, path);
}

/* Use key file PATH, creating it when it does not exist. */
static int
read_or_create_key_file (const char *path, struct ox_secret *s)
{
  int fd, r;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd == -1 && errno == EEXIST)
    return read_key_file (path, s);
  if (fd == -1) {
    ox_error ("cannot create key file %s: %m", path);
    return -1;
  }
  r = write_new_key_file (fd, path, s);
  if (close (fd) == -1 && r == 0) {
    ox_error ("cannot write key file %s: %m", path);
    r = -1;
  }
  if (r == -1) {
    unlink (path);
    ox_secret_free (s);
  } else
    ox_debug ("created key file %s", path);
  return r;
}

static int
set_passphrase (const void *data, size_t len, const char *what,
                struct ox_secret *s)
{
  if (len == 0) {
    ox_error ("%s is empty", what);
    return -1;
  }
  s->data = malloc (len);
  if (!s->data) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (s->data, data, len);
  s->len = len;
  s->type = OX_SECRET_PASSPHRASE;
  s->what = what;
  return 0;
}

/* The passphrase is the file's content with one trailing newline removed. */
static int
read_passphrase_file (const char *path, struct ox_secret *s)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  CLEANUP_FREE uint8_t *buf = NULL;
  ssize_t got;
  size_t n;
  int r;

  if (fd == -1) {
    ox_error ("cannot open passphrase file %s: %m", path);
    return -1;
  }
  ox_warn_exposed_secret (path, fd);
  buf = malloc (PASSPHRASE_MAX + 1);
  if (!buf) {
    ox_error ("malloc: %m");
    return -1;
  }
  got = ox_read_full (fd, buf, PASSPHRASE_MAX + 1);
  if (got == -1) {
    ox_error ("cannot read passphrase file %s: %m", path);
    return -1;
  }
  n = got;
  if (n > PASSPHRASE_MAX) {
    OPENSSL_cleanse (buf, PASSPHRASE_MAX + 1);
    ox_error ("passphrase file %s is larger than %d bytes", path,
              PASSPHRASE_MAX);
    return -1;
  }
  if (n > 0 && buf[n - 1] == '\n')
    n--;
  r = set_passphrase (buf, n, path, s);
  OPENSSL_cleanse (buf, PASSPHRASE_MAX + 1);
  return r;
}

/* Load the secret named by SRC (which names exactly one). */
int
ox_secret_load (const struct ox_key_source *src, int create,
                struct ox_secret *s)
{
  memset (s, 0, sizeof *s);
  if (src->key_file)
    return create ? read_or_create_key_file (src->key_file, s)
                  : read_key_file (src->key_file, s);
  if (src->passphrase_file)
    return read_passphrase_file (src->passphrase_file, s);
  return set_passphrase (src->passphrase, strlen (src->passphrase),
                         "the passphrase", s);
}
