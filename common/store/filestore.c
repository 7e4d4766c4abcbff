/* ox: the file:// object store, a local directory where '/' in a key is a
 * subdirectory (docs/FORMAT.md, section 2).
 *
 * Every operation works relative to a directory fd opened once, so a later
 * chdir does not matter, and keeps no other state: the store is safe to use
 * from several threads at once. Objects are written atomically: a unique
 * temporary file in the object's directory, fdatasync, rename over the final
 * name, fsync of the directory.
 */
#include "filestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"

/* Longest key, as S3's limit. */
#define KEY_MAX 1024

struct file_store {
  struct ox_store base;
  char *root; /* directory path, for messages */
  int dirfd;  /* O_DIRECTORY fd of the root */
};

static struct file_store *
fs_of (struct ox_store *st)
{
  return (struct file_store *)st;
}

/* True if C may appear in a key. */
static bool
key_char_valid (char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'
         || c == '/';
}

/* True if S (of length N) is non-empty and all of it is in SET. */
static bool
all_of (const char *s, size_t n, const char *set)
{
  return n > 0 && strspn (s, set) >= n;
}

/* True if NAME (one path component) is a temporary file written by put:
 * it contains ".tmp." followed by DIGITS.DIGITS.HEX up to its end. */
static bool
is_temp_name (const char *name)
{
  const char *p = name;

  while ((p = strstr (p, ".tmp.")) != NULL) {
    const char *pid = p + 5;
    const char *dot1 = strchr (pid, '.');
    const char *dot2 = dot1 ? strchr (dot1 + 1, '.') : NULL;

    if (dot2 && all_of (pid, dot1 - pid, "0123456789")
        && all_of (dot1 + 1, dot2 - dot1 - 1, "0123456789")
        && all_of (dot2 + 1, strlen (dot2 + 1), "0123456789abcdef"))
      return true;
    p++;
  }
  return false;
}

/* Check one component of a key, [S, S+N). Returns NULL or the reason it is
 * invalid. LAST is true for the final component (the file name). */
static const char *
component_problem (const char *s, size_t n, bool last)
{
  if (n == 0)
    return "it has an empty path component";
  if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
    return "it has a '.' or '..' path component";
  if (n > NAME_MAX || (last && n > NAME_MAX - OX_TMP_SUFFIX_MAX))
    return "a path component is too long";
  return NULL;
}

/* Return NULL if KEY is a valid key, else the reason it is not. */
static const char *
key_problem (const char *key)
{
  size_t len = strlen (key);
  const char *p, *slash, *why;

  if (len == 0)
    return "it is empty";
  if (len > KEY_MAX)
    return "it is too long";
  if (key[0] == '/')
    return "it begins with '/'";
  for (p = key; *p; p++)
    if (!key_char_valid (*p))
      return "it has a character other than [A-Za-z0-9._/-]";
  for (p = key;; p = slash + 1) {
    slash = strchr (p, '/');
    why = component_problem (p, slash ? (size_t)(slash - p) : strlen (p),
                             slash == NULL);
    if (why)
      return why;
    if (!slash)
      break;
  }
  p = strrchr (key, '/');
  if (is_temp_name (p ? p + 1 : key))
    return "it looks like a temporary file";
  return NULL;
}

/* Report and fail for an invalid KEY. */
static int
check_key (struct file_store *fs, const char *key)
{
  const char *why = key_problem (key);

  if (why) {
    ox_error ("invalid object key \"%s\" in store %s: %s", key, fs->root, why);
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* Check a listing prefix: like a key, but it may be empty, and its last
 * component may be empty or partial. */
static int
check_prefix (struct file_store *fs, const char *prefix)
{
  const char *p, *slash, *why = NULL;

  if (strlen (prefix) > KEY_MAX)
    why = "it is too long";
  else if (prefix[0] == '/')
    why = "it begins with '/'";
  for (p = prefix; !why && *p; p++)
    if (!key_char_valid (*p))
      why = "it has a character other than [A-Za-z0-9._/-]";
  for (p = prefix; !why && (slash = strchr (p, '/')) != NULL; p = slash + 1)
    why = component_problem (p, slash - p, false);
  if (why) {
    ox_error ("invalid key prefix \"%s\" in store %s: %s", prefix, fs->root,
              why);
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* Modes of what the store creates. Nobody but the owner may write to a
 * store (whatever the umask: these are the most a umask can leave), and
 * "ox-store", which holds the wrapped keys, is readable by the owner only:
 * it is set with fchmod, so even a umask of 0 or 0777 gives exactly 0600. */
#define DIR_MODE 0755
#define OBJECT_MODE 0644
#define CONFIG_KEY "ox-store"
#define CONFIG_MODE 0600

/* Open the directory COMP inside DIRFD, creating it if needed (race-safe:
 * another thread may create it first). A newly created directory is made
 * durable by an fsync of DIRFD. Returns the new fd or -1 with errno. */
static int
open_or_make_dir (int dirfd, const char *comp)
{
  int fd = openat (dirfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0 || errno != ENOENT)
    return fd;
  if (mkdirat (dirfd, comp, DIR_MODE) == 0) {
    if (fsync (dirfd) == -1)
      return -1;
  } else if (errno != EEXIST)
    return -1;
  return openat (dirfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Like "mkdir -p PATH" relative to BASEFD (or absolute); returns an fd of
 * the final directory, or -1 with errno. Empty components are skipped. */
static int
mkdir_p (int basefd, const char *path)
{
  CLEANUP_FREE char *copy = strdup (path);
  char *comp, *save = NULL;
  int fd, next;

  if (!copy)
    return -1;
  fd = openat (basefd, path[0] == '/' ? "/" : ".",
               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (comp = strtok_r (copy, "/", &save); fd >= 0 && comp;
       comp = strtok_r (NULL, "/", &save)) {
    next = open_or_make_dir (fd, comp);
    int err = errno;
    close (fd);
    errno = err;
    fd = next;
  }
  return fd;
}

/* Open the parent directory of KEY, creating it if missing. Sets *NAME to
 * the last component of KEY. Reports errors. */
static int
open_parent_for_write (struct file_store *fs, const char *key,
                       const char **name)
{
  const char *slash = strrchr (key, '/');
  CLEANUP_FREE char *dir = NULL;
  int fd;

  *name = slash ? slash + 1 : key;
  if (!slash)
    fd = dup (fs->dirfd);
  else {
    dir = strndup (key, slash - key);
    if (!dir) {
      ox_error ("cannot write object %s: %m", key);
      return -1;
    }
    fd = openat (fs->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT)
      fd = mkdir_p (fs->dirfd, dir);
  }
  if (fd == -1)
    ox_error ("cannot write object %s: directory %s/%s: %m", key, fs->root,
              dir ? dir : "");
  return fd;
}

/* Objects of at least this many bytes whose data is OX_DIRECT_ALIGN-aligned
 * in memory are written with O_DIRECT: no copy into the page cache, and
 * the device works while the caller computes (the data goes to disk now
 * instead of at fdatasync). */
#define DIRECT_MIN (1u << 20)

/* put and put_new: write KEY, replacing it unless CREATE_ONLY. */
static int
file_write (struct ox_store *st, const char *key, const void *data, size_t len,
            bool create_only)
{
  struct file_store *fs = fs_of (st);
  CLEANUP_CLOSE int dirfd = -1;
  const char *name, *step;
  struct ox_write_opts o = {
    .mode = OBJECT_MODE,
    .create_only = create_only,
    .direct = len >= DIRECT_MIN && (uintptr_t)data % OX_DIRECT_ALIGN == 0,
  };

  if (strcmp (key, CONFIG_KEY) == 0)
    o.mode = CONFIG_MODE, o.exact_mode = true;
  if (check_key (fs, key) == -1)
    return -1;
  dirfd = open_parent_for_write (fs, key, &name);
  if (dirfd == -1)
    return -1;
  if (ox_write_file_atomic (dirfd, name, data, len, &o, &step) == -1) {
    if (create_only && errno == EEXIST)
      return -1; /* the caller's to judge: reported by nothing */
    ox_error ("cannot write object %s in store %s: %s: %m", key, fs->root,
              step);
    return -1;
  }
  return 0;
}

static int
file_put (struct ox_store *st, const char *key, const void *data, size_t len)
{
  return file_write (st, key, data, len, false);
}

static int
file_put_new (struct ox_store *st, const char *key, const void *data,
              size_t len)
{
  return file_write (st, key, data, len, true);
}

/* Open object KEY for reading and set *SIZE. A missing object (or one
 * shadowed by a directory) gives -1 with errno ENOENT and no message. */
static int
open_object (struct file_store *fs, const char *key, uint64_t *size)
{
  struct stat sb;
  int fd;

  if (check_key (fs, key) == -1)
    return -1;
  fd = openat (fs->dirfd, key, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR) {
      errno = ENOENT;
      return -1;
    }
    ox_error ("cannot open object %s in store %s: %m", key, fs->root);
    return -1;
  }
  if (fstat (fd, &sb) == -1) {
    ox_error ("cannot stat object %s in store %s: %m", key, fs->root);
    close (fd);
    return -1;
  }
  if (!S_ISREG (sb.st_mode)) {
    close (fd);
    errno = ENOENT;
    return -1;
  }
  *size = sb.st_size;
  return fd;
}

/* Report that KEY holds SIZE bytes where WANTED were needed. */
static int
report_short (const char *key, uint64_t size, uint64_t wanted)
{
  ox_error ("object %s is shorter than expected (%" PRIu64
            " bytes, wanted %" PRIu64 ")",
            key, size, wanted);
  errno = EIO;
  return -1;
}

static int
file_get_range (struct ox_store *st, const char *key, uint64_t offset,
                void *buf, size_t len)
{
  struct file_store *fs = fs_of (st);
  CLEANUP_CLOSE int fd = -1;
  uint64_t size;
  ssize_t r;

  fd = open_object (fs, key, &size);
  if (fd == -1)
    return -1;
  if (offset > INT64_MAX || len > INT64_MAX - offset) {
    ox_error ("object %s: range of %zu bytes at offset %" PRIu64
              " is out of bounds",
              key, len, offset);
    errno = EIO;
    return -1;
  }
  if (offset + len > size)
    return report_short (key, size, offset + len);
  r = ox_pread_full (fd, buf, len, offset);
  if (r == -1) {
    ox_error ("cannot read object %s in store %s: %m", key, fs->root);
    return -1;
  }
  if ((size_t)r < len)
    return report_short (key, offset + r, offset + len);
  return 0;
}

static int
file_get (struct ox_store *st, const char *key, void **data, size_t *len)
{
  struct file_store *fs = fs_of (st);
  CLEANUP_CLOSE int fd = -1;
  uint64_t size;
  ssize_t r;
  char *buf;

  fd = open_object (fs, key, &size);
  if (fd == -1)
    return -1;
  if (size >= SIZE_MAX || size > INT64_MAX) {
    ox_error ("object %s is too large to read (%" PRIu64 " bytes)", key, size);
    errno = EFBIG;
    return -1;
  }
  buf = malloc (size ? size : 1);
  if (!buf) {
    ox_error ("cannot read object %s (%" PRIu64 " bytes): %m", key, size);
    return -1;
  }
  r = ox_pread_full (fd, buf, size, 0);
  if (r == -1 || (uint64_t)r < size) {
    if (r == -1)
      ox_error ("cannot read object %s in store %s: %m", key, fs->root);
    else
      report_short (key, r, size);
    free (buf);
    return -1;
  }
  *data = buf;
  *len = size;
  return 0;
}

static int
file_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  struct file_store *fs = fs_of (st);
  struct stat sb;

  if (check_key (fs, key) == -1)
    return -1;
  if (fstatat (fs->dirfd, key, &sb, 0) == -1) {
    if (errno == ENOENT || errno == ENOTDIR) {
      errno = ENOENT;
      return -1;
    }
    ox_error ("cannot stat object %s in store %s: %m", key, fs->root);
    return -1;
  }
  if (!S_ISREG (sb.st_mode)) {
    errno = ENOENT;
    return -1;
  }
  *size = sb.st_size;
  return 0;
}

/* Keys found by a listing, sorted before they are passed on. */
struct entry {
  char *key;
  uint64_t size;
};

struct entries {
  struct entry *v;
  size_t n, cap;
};

static void
entries_free (struct entries *e)
{
  size_t i;

  for (i = 0; i < e->n; i++)
    free (e->v[i].key);
  free (e->v);
}

/* Append DIR + NAME with SIZE. Returns 0 or -1 with errno. */
static int
entries_add (struct entries *e, const char *dir, const char *name,
             uint64_t size)
{
  char *key;

  if (e->n == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 64;
    struct entry *v = reallocarray (e->v, cap, sizeof *v);
    if (!v)
      return -1;
    e->v = v;
    e->cap = cap;
  }
  if (asprintf (&key, "%s%s", dir, name) == -1)
    return -1;
  e->v[e->n].key = key;
  e->v[e->n].size = size;
  e->n++;
  return 0;
}

static int
entry_compare (const void *a, const void *b)
{
  return strcmp (((const struct entry *)a)->key,
                 ((const struct entry *)b)->key);
}

/* Classify entry NAME of directory DIRFD: 1 = a directory to descend into
 * (never through a symlink), 0 = an object (*SIZE set), 2 = to skip
 * (vanished, or not a regular file), -1 = error with errno. */
static int
classify_entry (int dirfd, const char *name, uint64_t *size)
{
  struct stat sb;

  if (fstatat (dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
    return errno == ENOENT ? 2 : -1;
  if (S_ISDIR (sb.st_mode))
    return 1;
  if (S_ISLNK (sb.st_mode) && fstatat (dirfd, name, &sb, 0) == -1)
    return errno == ENOENT ? 2 : -1;
  if (!S_ISREG (sb.st_mode))
    return 2;
  *size = sb.st_size;
  return 0;
}

static int walk_dir (struct file_store *fs, int dirfd, const char *rel,
                     const char *filter, struct entries *out);

/* Descend into subdirectory NAME of DIRFD, whose key prefix is REL + NAME
 * + "/". */
static int
walk_subdir (struct file_store *fs, int dirfd, const char *rel,
             const char *name, struct entries *out)
{
  CLEANUP_FREE char *sub = NULL;
  int fd;

  if (asprintf (&sub, "%s%s/", rel, name) == -1) {
    ox_error ("cannot list store %s: %m", fs->root);
    return -1;
  }
  fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT)
      return 0; /* removed since readdir */
    ox_error ("cannot list directory %s/%s in store: %m", fs->root, sub);
    return -1;
  }
  return walk_dir (fs, fd, sub, NULL, out);
}

/* Add one directory entry NAME of DIRFD (key prefix REL) to OUT. */
static int
walk_entry (struct file_store *fs, int dirfd, const char *rel,
            const char *name, struct entries *out)
{
  uint64_t size = 0;
  int kind;

  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0
      || is_temp_name (name))
    return 0;
  kind = classify_entry (dirfd, name, &size);
  if (kind == -1) {
    ox_error ("cannot list %s/%s%s in store: %m", fs->root, rel, name);
    return -1;
  }
  if (kind == 1)
    return walk_subdir (fs, dirfd, rel, name, out);
  if (kind == 2)
    return 0;
  if (entries_add (out, rel, name, size) == -1) {
    ox_error ("cannot list store %s: %m", fs->root);
    return -1;
  }
  return 0;
}

/* Collect all objects below directory DIRFD (which this takes over), whose
 * keys begin with REL. At this level only names beginning with FILTER (if
 * not NULL) are taken. Files whose names are not valid keys are ignored. */
static int
walk_dir (struct file_store *fs, int dirfd, const char *rel,
          const char *filter, struct entries *out)
{
  size_t flen = filter ? strlen (filter) : 0;
  struct dirent *d;
  DIR *dir = fdopendir (dirfd);
  int r = 0;

  if (!dir) {
    ox_error ("cannot list directory %s/%s in store: %m", fs->root, rel);
    close (dirfd);
    return -1;
  }
  for (;;) {
    errno = 0;
    d = readdir (dir);
    if (!d) {
      if (errno) {
        ox_error ("cannot list directory %s/%s in store: %m", fs->root, rel);
        r = -1;
      }
      break;
    }
    if (strncmp (d->d_name, filter ? filter : "", flen) != 0)
      continue;
    if (strspn (d->d_name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                           "wxyz0123456789._-")
        != strlen (d->d_name))
      continue;
    r = walk_entry (fs, dirfd, rel, d->d_name, out);
    if (r == -1)
      break;
  }
  closedir (dir);
  return r;
}

/* Collect the objects whose keys begin with PREFIX into OUT. */
static int
collect (struct file_store *fs, const char *prefix, struct entries *out)
{
  const char *slash = strrchr (prefix, '/');
  size_t dirlen = slash ? (size_t)(slash - prefix) + 1 : 0;
  CLEANUP_FREE char *dir = strndup (prefix, dirlen);
  int fd;

  if (!dir) {
    ox_error ("cannot list store %s: %m", fs->root);
    return -1;
  }
  fd = openat (fs->dirfd, dirlen ? dir : ".",
               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR)
      return 0; /* nothing under this prefix */
    ox_error ("cannot list directory %s/%s in store: %m", fs->root, dir);
    return -1;
  }
  return walk_dir (fs, fd, dir, prefix + dirlen, out);
}

static int
file_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
           void *opaque)
{
  struct file_store *fs = fs_of (st);
  struct entries e = { 0 };
  size_t i;
  int r;

  if (check_prefix (fs, prefix) == -1)
    return -1;
  r = collect (fs, prefix, &e);
  if (r == 0 && e.n > 0)
    qsort (e.v, e.n, sizeof *e.v, entry_compare);
  for (i = 0; r == 0 && i < e.n; i++)
    r = fn (opaque, e.v[i].key, e.v[i].size) == 0 ? 0 : -1;
  entries_free (&e);
  return r;
}

static int
file_del (struct ox_store *st, const char *key)
{
  struct file_store *fs = fs_of (st);
  const char *slash;
  CLEANUP_FREE char *dir = NULL;
  CLEANUP_CLOSE int dirfd = -1;

  if (check_key (fs, key) == -1)
    return -1;
  if (unlinkat (fs->dirfd, key, 0) == -1) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) {
      errno = ENOENT;
      return -1;
    }
    ox_error ("cannot delete object %s in store %s: %m", key, fs->root);
    return -1;
  }
  /* Make the deletion durable. */
  slash = strrchr (key, '/');
  dir = slash ? strndup (key, slash - key) : strdup (".");
  if (dir)
    dirfd = openat (fs->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd == -1 || fsync (dirfd) == -1) {
    ox_error ("cannot sync the deletion of object %s in store %s: %m", key,
              fs->root);
    return -1;
  }
  return 0;
}

/* Sync directory DIR (LEN bytes of a key, or "." when LEN is 0) of FS,
 * making the deletions in it durable. Reports errors. */
static int
sync_dir (struct file_store *fs, const char *dir, size_t len)
{
  CLEANUP_FREE char *name = len ? strndup (dir, len) : strdup (".");
  CLEANUP_CLOSE int dirfd = -1;

  if (name)
    dirfd = openat (fs->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd == -1 || fsync (dirfd) == -1) {
    ox_error ("cannot sync the deletions in %s of store %s: %m",
              name ? name : dir, fs->root);
    return -1;
  }
  return 0;
}

/* Unlink the N KEYS, then sync each directory they were in once (keys
 * sorted by directory, as listings give them, sync each directory once). */
static int
file_del_many (struct ox_store *st, const char *const *keys, size_t n)
{
  struct file_store *fs = fs_of (st);
  const char *dir = NULL; /* the directory of the unsynced deletions */
  size_t dirlen = 0;

  for (size_t i = 0; i < n; i++) {
    const char *slash;
    size_t len;

    if (check_key (fs, keys[i]) == -1)
      return -1;
    slash = strrchr (keys[i], '/');
    len = slash ? (size_t)(slash - keys[i]) : 0;
    if (dir && (len != dirlen || memcmp (dir, keys[i], len) != 0)) {
      if (sync_dir (fs, dir, dirlen) == -1)
        return -1;
      dir = NULL;
    }
    if (unlinkat (fs->dirfd, keys[i], 0) == -1) {
      if (errno == ENOENT || errno == ENOTDIR)
        continue;
      ox_error ("cannot delete object %s in store %s: %m", keys[i], fs->root);
      return -1;
    }
    dir = keys[i];
    dirlen = len;
  }
  return dir ? sync_dir (fs, dir, dirlen) : 0;
}

static void
file_close (struct ox_store *st)
{
  struct file_store *fs = fs_of (st);

  close (fs->dirfd);
  free (fs->root);
  free (fs->base.url);
  free (fs);
}

static const struct ox_store_ops file_ops = {
  .scheme = "file",
  .put = file_put,
  .put_new = file_put_new,
  .get_range = file_get_range,
  .get = file_get,
  .stat = file_stat,
  .list = file_list,
  .del = file_del,
  .del_many = file_del_many,
  .close = file_close,
};

/* Open (and with CREATE make) the directory PATH. Reports errors. */
static int
open_root (const char *path, int create)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd == -1 && errno == ENOENT && create) {
    fd = mkdir_p (AT_FDCWD, path);
    if (fd == -1) {
      ox_error ("cannot create store directory %s: %m", path);
      return -1;
    }
  }
  if (fd == -1) {
    if (errno == ENOENT)
      ox_error ("store directory %s does not exist", path);
    else if (errno == ENOTDIR)
      ox_error ("store path %s is not a directory", path);
    else
      ox_error ("cannot open store directory %s: %m", path);
  }
  return fd;
}

int
ox_file_store_open (const char *path, const struct ox_store_options *opts,
                    struct ox_store **out)
{
  struct file_store *fs;
  int dirfd;

  if (path[0] == '\0') {
    ox_error ("store directory path is empty");
    errno = EINVAL;
    return -1;
  }
  dirfd = open_root (path, opts ? opts->create : 0);
  if (dirfd == -1)
    return -1;
  fs = calloc (1, sizeof *fs);
  if (fs) {
    fs->root = strdup (path);
    fs->base.url = strdup (path);
  }
  if (!fs || !fs->root || !fs->base.url) {
    ox_error ("cannot open store directory %s: %m", path);
    if (fs) {
      free (fs->root);
      free (fs->base.url);
    }
    free (fs);
    close (dirfd);
    return -1;
  }
  fs->base.ops = &file_ops;
  fs->dirfd = dirfd;
  *out = &fs->base;
  return 0;
}
