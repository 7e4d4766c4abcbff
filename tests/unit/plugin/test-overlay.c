/* Unit tests for plugin/overlay.c: the clone's local copy-on-write layer. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "manifest.h"
#include "overlay.h"
#include "test.h"

#define BS OVERLAY_BLOCK_SIZE

static char tmp[PATH_MAX - 64];

static void
path (char *out, const char *name)
{
  snprintf (out, PATH_MAX, "%s/%s", tmp, name);
}

static void
write_file (const char *p, const void *data, size_t len)
{
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK (fd >= 0);
  CHECK (write (fd, data, len) == (ssize_t)len);
  close (fd);
}

static void
make_pin (struct ox_ovheader *pin, uint64_t size)
{
  memset (pin, 0, sizeof *pin);
  strcpy (pin->store_url, "file:///somewhere/store");
  memset (pin->store_id, 0xab, sizeof pin->store_id);
  strcpy (pin->volume, "vol-1");
  pin->version = OX_OVERLAY_VERSION;
  pin->snapshot_id = UINT64_C (0x0123456789abcdef);
  memset (pin->root_digest, 0x5a, sizeof pin->root_digest);
  pin->volume_size = size;
  pin->chunk_size = 65536;
}

/* Probing and creating: a missing directory, a missing parent. */
static void
test_create (void)
{
  char dir[PATH_MAX], p[PATH_MAX];
  struct ox_ovheader pin, got;
  struct overlay *ov, *ov2;
  struct stat st;

  make_pin (&pin, 10 * 1024 * 1024 + 1000);
  path (dir, "ov");
  CHECK_EQ_INT (overlay_probe (dir, &got), 0);
  /* Missing parents are created (mkdir -p), the overlay itself 0700. */
  path (p, "no/such/ov/");
  CHECK_EQ_INT (overlay_open (p, &pin, &ov), 0);
  overlay_close (ov);
  CHECK (stat (p, &st) == 0 && S_ISDIR (st.st_mode)
         && (st.st_mode & 07777) == 0700);
  path (p, "no/such");
  CHECK (stat (p, &st) == 0 && S_ISDIR (st.st_mode));
  CHECK_EQ_INT (overlay_probe (p, &got), 0); /* no overlay there */
  /* A parent that is a file is refused, naming it. */
  path (p, "plainfile");
  fclose (fopen (p, "w"));
  path (p, "plainfile/ov");
  CHECK_EQ_INT (overlay_open (p, &pin, &ov), -1);

  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_size (ov), pin.volume_size);
  CHECK_EQ_INT (overlay_nblocks (ov), 2561);
  CHECK_EQ_INT (overlay_count_local (ov), 0);
  path (p, "ov/data");
  CHECK (stat (p, &st) == 0 && (uint64_t)st.st_size == pin.volume_size);
  CHECK (st.st_blocks == 0); /* sparse */
  path (p, "ov/map");
  CHECK (stat (p, &st) == 0 && st.st_size == 4096);

  /* One user at a time. */
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov2), -1);
  /* Probe reads the header back. */
  CHECK_EQ_INT (overlay_probe (dir, &got), 1);
  CHECK_MEM (&got, &pin, sizeof pin);
  overlay_close (ov);
}

/* Writes, marks, flush, and what survives a close without flush. */
static void
test_persistence (void)
{
  char dir[PATH_MAX];
  struct ox_ovheader pin;
  struct overlay *ov;
  char a[BS], b[BS], r[BS];

  make_pin (&pin, 10 * 1024 * 1024 + 1000);
  path (dir, "ov");
  memset (a, 'A', BS);
  memset (b, 'B', BS);

  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK (!overlay_dirty (ov));
  CHECK_EQ_INT (overlay_pwrite (ov, a, BS, 3 * BS), 0);
  overlay_mark_local (ov, 3, 1);
  CHECK (overlay_is_local (ov, 3));
  CHECK (!overlay_is_local (ov, 2) && !overlay_is_local (ov, 4));
  /* The short last block. */
  CHECK_EQ_INT (overlay_pwrite (ov, b, 1000, 2560 * (uint64_t)BS), 0);
  overlay_mark_local (ov, 2560, 5); /* clamped to the last block */
  CHECK_EQ_INT (overlay_count_local (ov), 2);
  CHECK (overlay_dirty (ov));
  CHECK_EQ_INT (overlay_flush (ov), 0);
  CHECK (!overlay_dirty (ov));

  /* Not flushed: lost on close, like a crash. */
  CHECK_EQ_INT (overlay_pwrite (ov, b, BS, 7 * BS), 0);
  overlay_mark_local (ov, 7, 1);
  CHECK (overlay_dirty (ov));
  overlay_close (ov);

  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK (overlay_is_local (ov, 3));
  CHECK (overlay_is_local (ov, 2560));
  CHECK (!overlay_is_local (ov, 7));
  CHECK_EQ_INT (overlay_count_local (ov), 2);
  CHECK_EQ_INT (overlay_pread (ov, r, BS, 3 * BS), 0);
  CHECK_MEM (r, a, BS);
  CHECK_EQ_INT (overlay_pread (ov, r, 1000, 2560 * (uint64_t)BS), 0);
  CHECK_MEM (r, b, 1000);
  /* Reading past the end of the data file is an error, not zeros. */
  CHECK_EQ_INT (overlay_pread (ov, r, BS, 2560 * (uint64_t)BS), -1);
  overlay_close (ov);
}

/* Punched holes read as zeros and show as holes. */
static void
test_punch (void)
{
  char dir[PATH_MAX];
  struct ox_ovheader pin;
  struct overlay *ov;
  char a[4 * BS], r[4 * BS], z[4 * BS];
  int allocated;
  uint64_t len;

  make_pin (&pin, 10 * 1024 * 1024 + 1000);
  path (dir, "punch");
  memset (a, 'C', sizeof a);
  memset (z, 0, sizeof z);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_pwrite (ov, a, sizeof a, 100 * BS), 0);
  CHECK_EQ_INT (overlay_punch (ov, 101 * BS, 2 * BS), 0);
  CHECK_EQ_INT (overlay_pread (ov, r, sizeof r, 100 * BS), 0);
  CHECK_MEM (r, a, BS);
  CHECK_MEM (r + BS, z, 2 * BS);
  CHECK_MEM (r + 3 * BS, a, BS);

  CHECK_EQ_INT (overlay_alloc_run (ov, 0, 200 * BS, &allocated, &len), 0);
  CHECK (!allocated && len == 100 * BS);
  CHECK_EQ_INT (overlay_alloc_run (ov, 100 * BS, 200 * BS, &allocated, &len),
                0);
  CHECK (allocated && len == BS);
  CHECK_EQ_INT (overlay_alloc_run (ov, 101 * BS, 200 * BS, &allocated, &len),
                0);
  CHECK (!allocated && len == 2 * BS);
  CHECK_EQ_INT (overlay_alloc_run (ov, 103 * BS, 200 * BS, &allocated, &len),
                0);
  CHECK (allocated && len == BS);
  CHECK_EQ_INT (overlay_alloc_run (ov, 104 * BS, 200 * BS, &allocated, &len),
                0);
  CHECK (!allocated && len == 96 * BS);
  overlay_close (ov);
}

/* Bulk writes (written back and dropped from the cache) and plain writes
 * of the same file agree: aligned and unaligned buffers, offsets and
 * lengths, the short last block, overwrites in both directions, and the
 * bytes survive a flush and reopen. */
static void
test_bulk (void)
{
  const uint64_t size = 1024 * 1024 + 1000; /* the last block is short */
  char dir[PATH_MAX];
  struct ox_ovheader pin;
  struct overlay *ov;
  unsigned char *model = calloc (1, size), *r = malloc (size);
  unsigned char *buf = aligned_alloc (BS, 64 * BS);
  struct {
    uint64_t off;
    size_t len, skew; /* SKEW: bytes into BUF (0 = aligned) */
    int bulk;
  } w[] = {
    { 0, 16 * BS, 0, 1 },
    { 8 * BS, 4 * BS, 0, 0 },
    { 10 * BS, 8 * BS, 0, 1 },
    { 20 * BS, 3 * BS, 7, 1 },
    { 30 * BS + 5, 2 * BS, 0, 1 },
    { 40 * BS, BS + 100, 0, 1 },
    { 256 * BS - BS, 1000 + BS, 0, 1 }, /* through the short last block */
    { 12 * BS, 2 * BS, 0, 0 },
    { 12 * BS, BS, 0, 1 },
  };

  CHECK (model && r && buf);
  make_pin (&pin, size);
  path (dir, "bulk");
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
    unsigned char *p = buf + w[i].skew;
    for (size_t k = 0; k < w[i].len; k++)
      p[k] = (unsigned char)(i * 31 + k * 7 + 1);
    if (w[i].bulk)
      CHECK_EQ_INT (overlay_pwrite_bulk (ov, p, w[i].len, w[i].off), 0);
    else
      CHECK_EQ_INT (overlay_pwrite (ov, p, w[i].len, w[i].off), 0);
    memcpy (model + w[i].off, p, w[i].len);
    CHECK_EQ_INT (overlay_pread (ov, r, size, 0), 0);
    CHECK_MEM (r, model, size);
  }
  CHECK_EQ_INT (overlay_flush (ov), 0);
  overlay_close (ov);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_pread (ov, r, size, 0), 0);
  CHECK_MEM (r, model, size);
  overlay_close (ov);
  free (model);
  free (r);
  free (buf);
}

/* overlay_run against a naive model on a random bitmap. */
static void
test_runs (void)
{
  char dir[PATH_MAX];
  struct ox_ovheader pin;
  struct overlay *ov;
  enum { N = 3000 };
  static unsigned char model[N];
  unsigned seed = 42;

  make_pin (&pin, (uint64_t)N * BS - 17);
  path (dir, "runs");
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_nblocks (ov), N);
  for (int i = 0; i < 200; i++) {
    uint64_t blk = rand_r (&seed) % N;
    uint64_t n = 1 + rand_r (&seed) % (i % 3 == 0 ? 200 : 9);
    overlay_mark_local (ov, blk, n);
    for (uint64_t j = blk; j < blk + n && j < N; j++)
      model[j] = 1;
  }
  for (int i = 0; i < 20000; i++) {
    uint64_t blk = rand_r (&seed) % N;
    uint64_t max = rand_r (&seed) % 400;
    int local = rand_r (&seed) & 1;
    uint64_t want = 0;
    while (want < max && blk + want < N && model[blk + want] == local)
      want++;
    CHECK_EQ_INT (overlay_run (ov, blk, max, local), want);
  }
  CHECK_EQ_INT (overlay_run (ov, N, 10, 0), 0);
  {
    uint64_t count = 0;
    for (int j = 0; j < N; j++)
      count += model[j];
    CHECK_EQ_INT (overlay_count_local (ov), count);
  }
  /* The whole random map persists. */
  CHECK_EQ_INT (overlay_flush (ov), 0);
  overlay_close (ov);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  for (int j = 0; j < N; j++)
    CHECK_EQ_INT (overlay_is_local (ov, j), model[j]);
  overlay_close (ov);
}

/* Another snapshot, store or geometry is refused; a moved store is not. */
static void
test_mismatch (void)
{
  char dir[PATH_MAX];
  struct ox_ovheader pin, other;
  struct overlay *ov;

  make_pin (&pin, 10 * 1024 * 1024 + 1000);
  path (dir, "ov");

  other = pin;
  other.snapshot_id++;
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), -1);
  other = pin;
  strcpy (other.volume, "vol-2");
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), -1);
  other = pin;
  other.root_digest[31] ^= 1;
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), -1);
  other = pin;
  other.store_id[0] ^= 1;
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), -1);
  other = pin;
  other.volume_size += BS;
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), -1);
  other = pin;
  strcpy (other.store_url, "/elsewhere/store");
  CHECK_EQ_INT (overlay_open (dir, &other, &ov), 0);
  overlay_close (ov);
}

/* Foreign directories and damaged overlays are refused. */
static void
test_foreign (void)
{
  char dir[PATH_MAX], p[PATH_MAX];
  struct ox_ovheader pin, got;
  struct overlay *ov;
  const char *bad[] = {
    "garbage\n",
    "ox-overlay 3\nblock-size=4096\n",
    "ox-overlay 1\nblock-size=4096\n",
    "ox-overlay 1\nblock-size=512\n",
  };

  make_pin (&pin, 1024 * 1024);
  path (dir, "foreign");
  CHECK (mkdir (dir, 0700) == 0);
  path (p, "foreign/important.txt");
  write_file (p, "x", 1);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), -1);
  CHECK (access (p, F_OK) == 0);

  /* Leftovers of an interrupted creation are not foreign. */
  path (dir, "leftover");
  CHECK (mkdir (dir, 0700) == 0);
  path (p, "leftover/data");
  write_file (p, "x", 1);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  overlay_close (ov);

  /* Corrupt headers. */
  path (p, "leftover/ox-overlay");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file (p, bad[i], strlen (bad[i]));
    CHECK_EQ_INT (overlay_probe (dir, &got), -1);
    CHECK_EQ_INT (overlay_open (dir, &pin, &ov), -1);
  }
  /* A valid header with a repeated field. */
  {
    struct ox_ovheader q;
    char text[8192];
    path (dir, "good");
    CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
    overlay_close (ov);
    path (p, "good/ox-overlay");
    {
      FILE *f = fopen (p, "r");
      size_t n = fread (text, 1, sizeof text - 1, f);
      fclose (f);
      text[n] = '\0';
    }
    CHECK_EQ_INT (overlay_probe (dir, &q), 1);
    strcat (text, "volume=vol-1\n");
    write_file (p, text, strlen (text));
    CHECK_EQ_INT (overlay_probe (dir, &q), -1);
  }
  /* A truncated map. */
  path (dir, "trunc");
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  overlay_close (ov);
  path (p, "trunc/map");
  CHECK (truncate (p, 100) == 0);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), -1);
  /* A data file of the wrong size. */
  CHECK (truncate (p, 4096) == 0);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  overlay_close (ov);
  path (p, "trunc/data");
  CHECK (truncate (p, 4096) == 0);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), -1);
}

/* The complete flag: refused while blocks are not local, written only
 * after the map is durable, read back by probe and open, and a header
 * claiming completeness over a map that disagrees is refused. */
static void
test_complete (void)
{
  char dir[PATH_MAX], p[PATH_MAX];
  struct ox_ovheader pin, got;
  struct overlay *ov;
  char text[4096];
  FILE *f;
  size_t n;

  make_pin (&pin, 1024 * 1024 + 100);
  path (dir, "complete");
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_complete (ov), 0);
  overlay_mark_local (ov, 0, overlay_nblocks (ov) - 1);
  CHECK_EQ_INT (overlay_set_complete (ov), -1);
  overlay_mark_local (ov, overlay_nblocks (ov) - 1, 1);
  CHECK_EQ_INT (overlay_set_complete (ov), 0);
  CHECK_EQ_INT (overlay_complete (ov), 1);
  CHECK_EQ_INT (overlay_set_complete (ov), 0); /* again: nothing to do */
  overlay_close (ov); /* without a flush: set_complete flushed */
  CHECK_EQ_INT (overlay_probe (dir, &got), 1);
  CHECK_EQ_INT (got.complete, 1);
  got.complete = 0;
  CHECK_MEM (&got, &pin, sizeof pin);
  /* Opened with the store's pin (no complete flag) or the probed one. */
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  CHECK_EQ_INT (overlay_complete (ov), 1);
  CHECK_EQ_INT (overlay_count_local (ov), overlay_nblocks (ov));
  overlay_close (ov);

  /* A header saying complete over a map that is not: corrupt. */
  path (p, "complete/map");
  f = fopen (p, "r+");
  CHECK (f != NULL);
  CHECK (fputc (0x7f, f) != EOF);
  fclose (f);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), -1);
  /* An unknown value of the field is refused too. */
  path (p, "complete/ox-overlay");
  f = fopen (p, "r");
  CHECK (f != NULL);
  n = fread (text, 1, sizeof text - 1, f);
  fclose (f);
  text[n] = '\0';
  CHECK (strstr (text, "complete=1\n") != NULL);
  strstr (text, "complete=1\n")[9] = '2';
  write_file (p, text, n);
  CHECK_EQ_INT (overlay_probe (dir, &got), -1);
}

/* The pin digest changes with the manifest. */
static void
test_pin (void)
{
  struct ox_keys k;
  uint8_t sid[OX_STORE_ID_LEN] = { 1, 2, 3 };
  uint8_t pages[2][OX_ID_LEN];
  struct ox_root r;
  struct ox_ovheader a, b;

  ox_keys_init_plain (&k, sid);
  memset (&r, 0, sizeof r);
  memset (pages, 7, sizeof pages);
  r.snapshot_id = 99;
  r.volume_size = 1 << 30;
  r.chunk_size = 262144;
  r.chunks_per_page = 4096;
  r.npages = 1;
  strcpy (r.volume, "v");
  r.pages = pages;
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "/s", &r, &a), 0);
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "/s", &r, &b), 0);
  CHECK_MEM (&a, &b, sizeof a);
  CHECK_EQ_INT (a.volume_size, 1 << 30);
  CHECK_MEM (a.store_id, sid, OX_STORE_ID_LEN);
  pages[0][5] ^= 1;
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "/s", &r, &b), 0);
  CHECK (memcmp (a.root_digest, b.root_digest, OX_ID_LEN) != 0);
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "/s\nx", &r, &b), -1);
}

/* Client writes are in the written map too, hydration is local only; both
 * survive a flush and a reopen, an unflushed write neither. */
static void
test_written (void)
{
  char dir[PATH_MAX], p[PATH_MAX];
  struct ox_ovheader pin;
  struct overlay *ov;
  struct stat st;
  char a[BS];

  make_pin (&pin, 10 * 1024 * 1024 + 1000);
  path (dir, "written");
  memset (a, 'W', BS);
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  path (p, "written/" OX_OVWRITTEN_NAME);
  CHECK (stat (p, &st) == 0 && st.st_size == 4096);
  CHECK_EQ_INT (overlay_pwrite (ov, a, BS, 5 * BS), 0);
  overlay_mark_written (ov, 5, 1);
  CHECK_EQ_INT (overlay_pwrite (ov, a, BS, 9 * BS), 0);
  overlay_mark_local (ov, 9, 3); /* hydrated */
  overlay_mark_written (ov, 2000, 100);
  CHECK (overlay_is_written (ov, 5) && overlay_is_local (ov, 5));
  CHECK (!overlay_is_written (ov, 9) && overlay_is_local (ov, 9));
  CHECK_EQ_INT (overlay_flush (ov), 0);
  CHECK (!overlay_dirty (ov));
  overlay_mark_written (ov, 7, 1); /* not flushed */
  CHECK (overlay_dirty (ov));
  overlay_close (ov);

  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  for (uint64_t b = 0; b < overlay_nblocks (ov); b++) {
    int w = b == 5 || (b >= 2000 && b < 2100);
    CHECK_EQ_INT (overlay_is_written (ov, b), w);
    CHECK_EQ_INT (overlay_is_local (ov, b), w || (b >= 9 && b < 12));
  }
  overlay_close (ov);
}

/* A version 1 overlay (no written map) is upgraded when opened: every
 * local block counts as written, and the header says version 2; a crash
 * that left a written file under a version 1 header upgrades again. */
static void
test_upgrade (void)
{
  char dir[PATH_MAX], p[PATH_MAX], text[OX_OVHEADER_MAX];
  struct ox_ovheader pin, v1;
  struct overlay *ov;
  size_t len;
  FILE *f;
  char line[32];

  make_pin (&pin, 4 * 1024 * 1024);
  path (dir, "upgrade");
  CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
  overlay_mark_local (ov, 1, 10);
  overlay_mark_written (ov, 100, 1);
  CHECK_EQ_INT (overlay_flush (ov), 0);
  overlay_close (ov);
  /* Make it version 1: its header, and no written map. */
  v1 = pin;
  v1.version = 1;
  CHECK_EQ_INT (ox_ovheader_format (&v1, text, sizeof text, &len), 0);
  path (p, "upgrade/" OX_OVHEADER_NAME);
  write_file (p, text, len);
  path (p, "upgrade/" OX_OVWRITTEN_NAME);
  for (int round = 0; round < 2; round++) {
    if (round == 0)
      CHECK (unlink (p) == 0);
    else { /* a crash after the written map, before the header */
      char junk[4096];
      memset (junk, 0xff, sizeof junk);
      write_file (p, junk, sizeof junk);
      path (p, "upgrade/" OX_OVHEADER_NAME);
      write_file (p, text, len);
      path (p, "upgrade/" OX_OVWRITTEN_NAME);
    }
    CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
    for (uint64_t b = 0; b < overlay_nblocks (ov); b++)
      CHECK_EQ_INT (overlay_is_written (ov, b), overlay_is_local (ov, b));
    CHECK_EQ_INT (overlay_count_local (ov), 11);
    overlay_close (ov);
    path (p, "upgrade/" OX_OVHEADER_NAME);
    f = fopen (p, "r");
    CHECK (f && fgets (line, sizeof line, f));
    fclose (f);
    CHECK_EQ_INT (strcmp (line, "ox-overlay 2\n"), 0);
    /* Opened again: as written, nothing changes. */
    CHECK_EQ_INT (overlay_open (dir, &pin, &ov), 0);
    CHECK (overlay_is_written (ov, 1) && overlay_is_written (ov, 100));
    CHECK (!overlay_is_written (ov, 11));
    overlay_close (ov);
    path (p, "upgrade/" OX_OVHEADER_NAME);
    write_file (p, text, len);
    path (p, "upgrade/" OX_OVWRITTEN_NAME);
  }
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char cmd[PATH_MAX + 16];

  snprintf (tmp, sizeof tmp, "%s/test-overlay.XXXXXX", t ? t : "/tmp");
  CHECK (mkdtemp (tmp) != NULL);
  test_create ();
  test_persistence ();
  test_punch ();
  test_bulk ();
  test_runs ();
  test_mismatch ();
  test_foreign ();
  test_pin ();
  test_complete ();
  test_written ();
  test_upgrade ();
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  CHECK (system (cmd) == 0);
  return 0;
}
