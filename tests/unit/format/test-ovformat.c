/* Test the bytes of a clone overlay (ovformat.c, docs/FORMAT.md section 8):
 * the header text byte for byte (the example of FORMAT.md), its root
 * digest, every way a header is refused, the map's bit order, length and
 * tail, and the statistics file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "le.h"
#include "log.h"
#include "ovformat.h"
#include "testlib.h"

/* The example header of FORMAT.md section 8. */
static const char golden[]
    = "ox-overlay 2\n"
      "block-size=4096\n"
      "store-id=00112233445566778899aabbccddeeff\n"
      "store-url=file:///var/lib/ox/store\n"
      "volume=vm1\n"
      "snapshot=0123456789abcdef\n"
      "root-digest="
      "5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c\n"
      "volume-size=10737418240\n"
      "chunk-size=262144\n";

static void
golden_header (struct ox_ovheader *h)
{
  static const uint8_t sid[OX_STORE_ID_LEN]
      = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
          0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };

  memset (h, 0, sizeof *h);
  strcpy (h->store_url, "file:///var/lib/ox/store");
  memcpy (h->store_id, sid, sizeof sid);
  strcpy (h->volume, "vm1");
  h->version = 2;
  h->snapshot_id = UINT64_C (0x0123456789abcdef);
  memset (h->root_digest, 0x5c, OX_ID_LEN);
  h->volume_size = UINT64_C (10) << 30;
  h->chunk_size = 262144;
}

/* Parse TEXT; it must be refused with errno ERR and a message holding
 * WANT, leaving the header zeroed. */
static void
refused (const char *text, size_t len, int err, const char *want)
{
  struct ox_ovheader h, zero;

  memset (&zero, 0, sizeof zero);
  ox_test_reset_log ();
  errno = 0;
  if (ox_ovheader_parse ("ov/ox-overlay", text, len, &h) != -1) {
    fprintf (stderr, "accepted: %.*s\n", (int)len, text);
    exit (1);
  }
  CHECK_EQ_INT (errno, err);
  CHECK_ERROR (want);
  CHECK_ERROR ("ov/ox-overlay: ");
  CHECK_MEM (&h, &zero, sizeof h);
}

/* The golden header with line KEY=... replaced by LINE ("" removes it). */
static char *
with_line (const char *key, const char *line)
{
  char *out = malloc (sizeof golden + strlen (line) + 1);
  const char *at = strstr (golden, key), *nl;

  CHECK (out != NULL && at != NULL);
  nl = strchr (at, '\n') + 1;
  memcpy (out, golden, at - golden);
  strcpy (out + (at - golden), line);
  strcat (out, nl);
  return out;
}

static void
test_header_golden (void)
{
  struct ox_ovheader h, got;
  char buf[OX_OVHEADER_MAX];
  size_t len;

  golden_header (&h);
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), 0);
  CHECK_EQ_INT (len, strlen (golden));
  CHECK_EQ_INT (strcmp (buf, golden), 0);
  CHECK_EQ_INT (ox_ovheader_parse ("x", golden, strlen (golden), &got), 0);
  CHECK_MEM (&got, &h, sizeof h);

  /* Version 1 (before the written map): its first line, read back. */
  h.version = 1;
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), 0);
  CHECK_EQ_INT (strncmp (buf, "ox-overlay 1\n", 13), 0);
  CHECK_EQ_INT (strcmp (buf + 13, golden + 13), 0);
  CHECK_EQ_INT (ox_ovheader_parse ("x", buf, len, &got), 0);
  CHECK_EQ_INT (got.version, 1);
  h.version = 3; /* not a version this code writes */
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  h.version = 2;

  /* complete=1 is the last line when set, and reads back. */
  h.complete = 1;
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), 0);
  CHECK_EQ_INT (len, strlen (golden) + strlen ("complete=1\n"));
  CHECK_EQ_INT (memcmp (buf, golden, strlen (golden)), 0);
  CHECK_EQ_INT (strcmp (buf + strlen (golden), "complete=1\n"), 0);
  CHECK_EQ_INT (ox_ovheader_parse ("x", buf, len, &got), 0);
  CHECK_MEM (&got, &h, sizeof h);

  /* Fields in any order; the text need not be NUL-terminated. */
  {
    char *moved = with_line ("volume=", "");
    char *text = malloc (strlen (moved) + 16);
    CHECK (text != NULL);
    strcpy (text, moved);
    strcat (text, "volume=vm1\n");
    len = strlen (text);
    text[len] = 'X'; /* past the end: not looked at */
    CHECK_EQ_INT (ox_ovheader_parse ("x", text, len, &got), 0);
    h.complete = 0;
    CHECK_MEM (&got, &h, sizeof h);
    free (text);
    free (moved);
  }

  /* The largest header: a store URL of 4095 bytes. */
  memset (h.store_url, 'u', OX_OV_URL_MAX - 1);
  h.store_url[OX_OV_URL_MAX - 1] = '\0';
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), 0);
  CHECK_EQ_INT (ox_ovheader_parse ("x", buf, len, &got), 0);
  CHECK_MEM (&got, &h, sizeof h);
}

static void
test_header_format_refuses (void)
{
  struct ox_ovheader h;
  char buf[OX_OVHEADER_MAX];
  size_t len = 12345;

  golden_header (&h);
  strcpy (h.store_url, "file:///a\nb");
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  CHECK_EQ_INT (errno, EINVAL);
  golden_header (&h);
  memset (h.store_url, 'u', sizeof h.store_url); /* no NUL */
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  golden_header (&h);
  strcpy (h.volume, ".hidden");
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  golden_header (&h);
  h.volume_size = 0;
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  h.volume_size = OX_OV_VOLUME_MAX + 1;
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  golden_header (&h);
  h.chunk_size = 3 * 4096;
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, sizeof buf, &len), -1);
  CHECK_ERROR ("cannot be written");
  golden_header (&h);
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, strlen (golden), &len), -1);
  CHECK_EQ_INT (errno, ERANGE);
  CHECK_ERROR ("does not fit");
  CHECK_EQ_INT (len, 12345);
  CHECK_EQ_INT (ox_ovheader_format (&h, buf, strlen (golden) + 1, &len), 0);
  CHECK_EQ_INT (len, strlen (golden));
}

static void
test_header_refused (void)
{
  static const struct {
    const char *key, *line, *want;
  } bad[] = {
    { "block-size=", "block-size=512\n",
      "invalid or repeated field \"block-size\"" },
    { "block-size=", "block-size=4096x\n", "\"block-size\"" },
    { "block-size=", "block-size=\n", "\"block-size\"" },
    { "store-id=", "store-id=00112233445566778899aabbccddeef\n",
      "\"store-id\"" },
    { "store-id=", "store-id=00112233445566778899aabbccddeeffa\n",
      "\"store-id\"" },
    { "store-id=", "store-id=0011223344556677889gaabbccddeeff\n",
      "\"store-id\"" },
    { "volume=", "volume=.x\n", "\"volume\"" },
    { "volume=", "volume=\n", "\"volume\"" },
    { "volume=", "volume=a/b\n", "\"volume\"" },
    { "snapshot=", "snapshot=0123456789abcde\n", "\"snapshot\"" },
    { "snapshot=", "snapshot=0123456789abcdefa\n", "\"snapshot\"" },
    { "snapshot=", "snapshot=0123456789abcdeg\n", "\"snapshot\"" },
    { "root-digest=", "root-digest=5c\n", "\"root-digest\"" },
    { "volume-size=", "volume-size=0\n", "\"volume-size\"" },
    { "volume-size=", "volume-size=-1\n", "\"volume-size\"" },
    { "volume-size=", "volume-size=+5\n", "\"volume-size\"" },
    { "volume-size=", "volume-size= 5\n", "\"volume-size\"" },
    { "volume-size=", "volume-size=4611686018427387905\n", "\"volume-size\"" },
    { "volume-size=", "volume-size=99999999999999999999999\n",
      "\"volume-size\"" },
    { "chunk-size=", "chunk-size=2048\n", "\"chunk-size\"" },
    { "chunk-size=", "chunk-size=12288\n", "\"chunk-size\"" },
    { "chunk-size=", "chunk-size=134217728\n", "\"chunk-size\"" },
    { "chunk-size=", "chunk-size=complete=1\n", "\"chunk-size\"" },
    { "volume=", "volume=vm1\nvolume=vm1\n",
      "invalid or repeated field \"volume\"" },
    { "volume=", "colour=blue\n", "unknown field \"colour\"" },
    { "volume=", "volume vm1\n", "corrupt line \"volume vm1\"" },
    { "volume=", "\n", "corrupt line \"\"" },
    { "volume=", "=vm1\n", "unknown field \"\"" },
    { "volume=", "VOLUME=vm1\n", "unknown field \"VOLUME\"" },
  };
  static const char *const required[]
      = { "block-size", "store-id",    "store-url",   "volume",
          "snapshot",   "root-digest", "volume-size", "chunk-size" };
  char *text, *big;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    text = with_line (bad[i].key, bad[i].line);
    refused (text, strlen (text), EINVAL, bad[i].want);
    free (text);
  }
  /* Each required field, missing, is named. */
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    char key[32], want[64];
    snprintf (key, sizeof key, "%s=", required[i]);
    text = with_line (key, "");
    snprintf (want, sizeof want, "fields are missing (\"%s\")", required[i]);
    refused (text, strlen (text), EINVAL, want);
    free (text);
  }
  /* complete: only 1, only once. */
  text = with_line ("chunk-size=", "chunk-size=262144\ncomplete=2\n");
  refused (text, strlen (text), EINVAL, "\"complete\"");
  free (text);
  text = with_line ("chunk-size=",
                    "chunk-size=262144\ncomplete=1\ncomplete=1\n");
  refused (text, strlen (text), EINVAL, "\"complete\"");
  free (text);

  /* The first line. */
  refused ("", 0, EINVAL, "not an ox overlay header");
  refused ("garbage\n", 8, EINVAL, "not an ox overlay header");
  refused ("ox-overlay\n", 11, EINVAL, "not an ox overlay header");
  refused ("ox-overlay 3\nblock-size=4096\n", 29, EINVAL,
           "unknown overlay format version \"3\"");
  refused ("ox-overlay 1 \n", 14, EINVAL, "unknown overlay format version");
  refused ("ox-overlay 1", 12, EINVAL, "truncated");
  refused ("ox-overlay 1\n", 13, EINVAL, "fields are missing");
  refused ("ox-overlay 1\r\nblock-size=4096\n", 30, EINVAL,
           "unknown overlay format version \"1\r\"");

  /* Every proper prefix of the header is refused: cut in a line it is
   * truncated, cut after one it lacks fields. */
  for (size_t n = 0; n < strlen (golden); n++) {
    struct ox_ovheader h;
    ox_test_reset_log ();
    CHECK_EQ_INT (ox_ovheader_parse ("x", golden, n, &h), -1);
    CHECK_EQ_INT (ox_test_errors (), 1);
    if (n > 13 && golden[n - 1] != '\n')
      CHECK_ERROR ("truncated");
  }

  /* A NUL byte anywhere. */
  text = strdup (golden);
  CHECK (text != NULL);
  text[40] = '\0';
  refused (text, strlen (golden), EINVAL, "NUL byte");
  free (text);

  /* At most 16 KiB. */
  big = malloc (OX_OVHEADER_MAX + 2);
  CHECK (big != NULL);
  memset (big, 'u', OX_OVHEADER_MAX + 1);
  memcpy (big, golden, strlen (golden));
  refused (big, OX_OVHEADER_MAX + 1, EFBIG, "too long");
  free (big);

  /* A store URL of 4096 bytes does not fit its field. */
  big = malloc (sizeof golden + OX_OV_URL_MAX + 16);
  CHECK (big != NULL);
  strcpy (big, "store-url=");
  memset (big + 10, 'u', OX_OV_URL_MAX);
  strcpy (big + 10 + OX_OV_URL_MAX, "\n");
  text = with_line ("store-url=", big);
  refused (text, strlen (text), EINVAL, "\"store-url\"");
  free (text);
  free (big);
}

/* The root digest is the MAC of FORMAT.md 8 over the root's fields. */
static void
test_from_root (void)
{
  static const uint8_t sid[OX_STORE_ID_LEN] = { 1, 2, 3 };
  static const char label[] = "ox v1 overlay pin";
  uint8_t master[OX_MASTER_KEY_LEN], pages[2][OX_ID_LEN], want[OX_ID_LEN];
  uint8_t buf[256], *p = buf;
  struct ox_keys k;
  struct ox_root r;
  struct ox_ovheader h;
  char url[OX_OV_URL_MAX + 1];

  memset (master, 9, sizeof master);
  CHECK_EQ_INT (ox_keys_init_encrypted (&k, sid, master), 0);
  memset (&r, 0, sizeof r);
  memset (pages[0], 7, OX_ID_LEN);
  memset (pages[1], 8, OX_ID_LEN);
  r.snapshot_id = UINT64_C (0x0123456789abcdef);
  r.volume_size = 1 << 30;
  r.chunk_size = 262144;
  r.chunks_per_page = 4096;
  r.npages = 2;
  strcpy (r.volume, "vm1");
  r.pages = pages;
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "s3://b/p", &r, &h), 0);

  memcpy (p, label, sizeof label), p += sizeof label; /* with its NUL */
  put_le64 (p, r.snapshot_id), p += 8;
  put_le64 (p, r.volume_size), p += 8;
  put_le32 (p, r.chunk_size), p += 4;
  put_le32 (p, r.chunks_per_page), p += 4;
  put_le32 (p, r.npages), p += 4;
  put_le16 (p, 3), p += 2;
  memcpy (p, "vm1", 3), p += 3;
  memcpy (p, pages, sizeof pages), p += sizeof pages;
  ox_mac (&k, buf, p - buf, want);
  CHECK_MEM (h.root_digest, want, OX_ID_LEN);
  CHECK_EQ_INT (strcmp (h.store_url, "s3://b/p"), 0);
  CHECK_MEM (h.store_id, sid, OX_STORE_ID_LEN);
  CHECK_EQ_INT (strcmp (h.volume, "vm1"), 0);
  CHECK_EQ_INT (h.snapshot_id, r.snapshot_id);
  CHECK_EQ_INT (h.volume_size, 1 << 30);
  CHECK_EQ_INT (h.chunk_size, 262144);
  CHECK_EQ_INT (h.complete, 0);

  /* URLs a header cannot hold. */
  CHECK_EQ_INT (ox_ovheader_from_root (&k, "s3://b/p\nx", &r, &h), -1);
  CHECK_EQ_INT (errno, EINVAL);
  CHECK_ERROR ("store URL unusable");
  memset (url, 'u', OX_OV_URL_MAX);
  url[OX_OV_URL_MAX] = '\0';
  CHECK_EQ_INT (ox_ovheader_from_root (&k, url, &r, &h), -1);
  url[OX_OV_URL_MAX - 1] = '\0';
  CHECK_EQ_INT (ox_ovheader_from_root (&k, url, &r, &h), 0);
}

static void
test_map (void)
{
  uint8_t bytes[24], back[24];
  uint64_t words[3];

  /* Blocks and map bytes (whole 4 KiB pages). */
  CHECK_EQ_INT (ox_ovmap_nblocks (1), 1);
  CHECK_EQ_INT (ox_ovmap_nblocks (4096), 1);
  CHECK_EQ_INT (ox_ovmap_nblocks (4097), 2);
  CHECK_EQ_INT (ox_ovmap_nblocks (10 * 1024 * 1024 + 1000), 2561);
  CHECK_EQ_INT (ox_ovmap_len (1), 4096);
  CHECK_EQ_INT (ox_ovmap_len (UINT64_C (4096) * 32768), 4096);
  CHECK_EQ_INT (ox_ovmap_len (UINT64_C (4096) * 32768 + 1), 8192);
  CHECK_EQ_INT (ox_ovmap_len (UINT64_C (64) << 30), 2 * 1024 * 1024);
  CHECK_EQ_INT (ox_ovmap_len (OX_OV_VOLUME_MAX), UINT64_C (1) << 47);

  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 4096, 1), 0);
  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 4095, 1), -1);
  CHECK_EQ_INT (errno, EINVAL);
  CHECK_ERROR ("ov/map: corrupt overlay: expected a map of 4096 bytes for 1 "
               "blocks, found 4095");
  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 8192, 1), -1);
  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 0, 1), -1);
  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 4096, 0), -1);
  CHECK_ERROR ("unsupported volume size 0");
  CHECK_EQ_INT (ox_ovmap_check_len ("ov/map", 4096, OX_OV_VOLUME_MAX + 1), -1);

  /* Bit b is bit b % 8 of byte b / 8: blocks 0, 15, 63, 64 and 70. */
  memset (bytes, 0, sizeof bytes);
  bytes[0] = 0x01;
  bytes[1] = 0x80;
  bytes[7] = 0x80;
  bytes[8] = 0x41;
  bytes[16] = 0xff; /* blocks 128..135, past the end below */
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 24, 0, 200, words), 13);
  CHECK_EQ_INT (words[0], UINT64_C (0x8000000000008001));
  CHECK_EQ_INT (words[1], 0x41);
  CHECK_EQ_INT (words[2], 0xff);
  ox_ovmap_encode (words, 3, back);
  CHECK_MEM (back, bytes, 24);

  /* Bits past the last block are cleared: 71 blocks. */
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 24, 0, 71, words), 5);
  CHECK_EQ_INT (words[0], UINT64_C (0x8000000000008001));
  CHECK_EQ_INT (words[1], 0x41);
  CHECK_EQ_INT (words[2], 0);
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 24, 0, 70, words), 4);
  CHECK_EQ_INT (words[1], 0x01);
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 24, 0, 64, words), 3);
  CHECK_EQ_INT (words[1], 0);
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 24, 0, 1, words), 1);
  CHECK_EQ_INT (words[0], 1);

  /* A piece at an offset: bytes 8..15 describe blocks 64..127. */
  CHECK_EQ_INT (ox_ovmap_decode (bytes + 8, 8, 8, 70, words), 1);
  CHECK_EQ_INT (words[0], 0x01);
  CHECK_EQ_INT (ox_ovmap_decode (bytes + 16, 8, 16, 130, words), 2);
  CHECK_EQ_INT (words[0], 0x03);
  CHECK_EQ_INT (ox_ovmap_decode (bytes + 16, 8, 16, 128, words), 0);
  CHECK_EQ_INT (ox_ovmap_decode (bytes, 0, 0, 128, words), 0);

  /* In place, both ways. */
  memcpy (words, bytes, 24);
  CHECK_EQ_INT (ox_ovmap_decode (words, 24, 0, 200, words), 13);
  CHECK_EQ_INT (words[0], UINT64_C (0x8000000000008001));
  CHECK_EQ_INT (words[2], 0xff);
  ox_ovmap_encode (words, 3, words);
  CHECK_MEM (words, bytes, 24);
}

/* A statistics file, byte for byte: the keys in the writer's order
 * (FORMAT.md 8). */
static const char stats_golden[] = "updated=1764680000\n"
                                   "runs=3\n"
                                   "demand_fetches=10\n"
                                   "readahead_fetches=11\n"
                                   "background_fetches=12\n"
                                   "demand_bytes=20\n"
                                   "readahead_bytes=21\n"
                                   "background_bytes=22\n"
                                   "fetch_errors=1\n"
                                   "reads=100\n"
                                   "read_bytes=409600\n"
                                   "writes=7\n"
                                   "write_bytes=28672\n"
                                   "zeros=2\n"
                                   "flushes=4\n"
                                   "errors=5\n"
                                   "local_reads=60\n"
                                   "basis_reads=40\n"
                                   "runtime_ms=12345\n"
                                   "runtime_s=12\n"
                                   "demand_rate=30\n"
                                   "readahead_rate=31\n"
                                   "background_rate=32\n"
                                   "hydrate=on\n"
                                   "complete=0\n";

static void
golden_stats (struct ox_ovstats *s)
{
  memset (s, 0, sizeof *s);
  s->updated = 1764680000;
  s->runs = 3;
  for (int i = 0; i < 3; i++) {
    s->fetches[i] = 10 + i;
    s->bytes[i] = 20 + i;
    s->rate[i] = 30 + i;
  }
  s->fetch_errors = 1;
  s->reads = 100;
  s->read_bytes = 409600;
  s->writes = 7;
  s->write_bytes = 28672;
  s->zeros = 2;
  s->flushes = 4;
  s->errors = 5;
  s->local_reads = 60;
  s->basis_reads = 40;
  s->runtime_ms = 12345;
  s->hydrate = OX_OVSTATS_HYDRATE_ON;
}

/* Parse TEXT; it must be refused (EINVAL) with WANT in *WHY, reporting
 * nothing. */
static void
stats_refused (const char *text, size_t len, const char *want)
{
  struct ox_ovstats s, zero;
  const char *why = NULL;

  memset (&zero, 0, sizeof zero);
  ox_test_reset_log ();
  errno = 0;
  if (ox_ovstats_parse (text, len, &s, &why) != -1) {
    fprintf (stderr, "accepted: %.*s\n", (int)len, text);
    exit (1);
  }
  CHECK_EQ_INT (errno, EINVAL);
  CHECK (why != NULL && strstr (why, want) != NULL);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK_MEM (&s, &zero, sizeof s);
}

static void
test_stats (void)
{
  struct ox_ovstats s, got;
  char buf[OX_OVSTATS_TEXT_MAX], text[4096];
  const char *why;
  size_t len;

  golden_stats (&s);
  len = ox_ovstats_format (&s, buf);
  CHECK_EQ_INT (len, strlen (stats_golden));
  CHECK_EQ_INT (strcmp (buf, stats_golden), 0);
  CHECK_EQ_INT (ox_ovstats_parse (buf, len, &got, &why), 0);
  CHECK_MEM (&got, &s, sizeof s);

  /* Names of hydrate=; done and complete. */
  CHECK_EQ_INT (
      strcmp (ox_ovstats_hydrate_name (OX_OVSTATS_HYDRATE_OFF), "off"), 0);
  CHECK_EQ_INT (
      strcmp (ox_ovstats_hydrate_name (OX_OVSTATS_HYDRATE_DONE), "done"), 0);
  CHECK_EQ_INT (strcmp (ox_ovstats_hydrate_name (OX_OVSTATS_HYDRATE_NONE), ""),
                0);
  s.hydrate = OX_OVSTATS_HYDRATE_DONE;
  s.complete = 1;
  len = ox_ovstats_format (&s, buf);
  CHECK (strstr (buf, "\nhydrate=done\ncomplete=1\n") != NULL);
  CHECK_EQ_INT (ox_ovstats_parse (buf, len, &got, &why), 0);
  CHECK_MEM (&got, &s, sizeof s);
  /* Without a hydrate state, no line. */
  s.hydrate = OX_OVSTATS_HYDRATE_NONE;
  len = ox_ovstats_format (&s, buf);
  CHECK (strstr (buf, "hydrate") == NULL);
  CHECK_EQ_INT (ox_ovstats_parse (buf, len, &got, &why), 0);
  CHECK_MEM (&got, &s, sizeof s);

  /* The largest values fit the buffer. */
  memset (&s, 0xff, sizeof s);
  s.hydrate = OX_OVSTATS_HYDRATE_DONE;
  s.complete = 1;
  len = ox_ovstats_format (&s, buf);
  CHECK (len < OX_OVSTATS_TEXT_MAX);
  CHECK_EQ_INT (ox_ovstats_parse (buf, len, &got, &why), 0);
  CHECK_MEM (&got, &s, sizeof s);

  /* Unknown keys are ignored, missing ones are 0, empty is fine. */
  strcpy (text, "runs=2\nfuture_key=anything = goes\nreads=9\n");
  CHECK_EQ_INT (ox_ovstats_parse (text, strlen (text), &got, &why), 0);
  CHECK_EQ_INT (got.runs, 2);
  CHECK_EQ_INT (got.reads, 9);
  CHECK_EQ_INT (got.writes, 0);
  CHECK_EQ_INT (got.hydrate, OX_OVSTATS_HYDRATE_NONE);
  CHECK_EQ_INT (ox_ovstats_parse ("", 0, &got, &why), 0);
  CHECK_EQ_INT (got.runs, 0);

  /* Files of older versions: whole seconds only. */
  strcpy (text, "runs=1\nruntime_s=7\n");
  CHECK_EQ_INT (ox_ovstats_parse (text, strlen (text), &got, &why), 0);
  CHECK_EQ_INT (got.runtime_ms, 7000);
  strcpy (text, "runtime_ms=7500\nruntime_s=7\n");
  CHECK_EQ_INT (ox_ovstats_parse (text, strlen (text), &got, &why), 0);
  CHECK_EQ_INT (got.runtime_ms, 7500);

  /* Refused. */
  stats_refused ("runs=1", 6, "truncated");
  stats_refused ("runs=1\nreads=2", 14, "truncated");
  stats_refused ("runs\n", 5, "not key=value");
  stats_refused ("\n", 1, "not key=value");
  stats_refused ("=1\n", 3, "not key=value");
  stats_refused ("runs=1\0\n", 8, "NUL byte");
  stats_refused ("runs=x\n", 7, "invalid");
  stats_refused ("runs=\n", 6, "invalid");
  stats_refused ("runs=-1\n", 8, "invalid");
  stats_refused ("runs=1 \n", 8, "invalid");
  stats_refused ("runs=18446744073709551616\n", 26, "invalid");
  stats_refused ("runs=1\nruns=1\n", 14, "repeated");
  stats_refused ("hydrate=maybe\n", 14, "invalid");
  stats_refused ("hydrate=\n", 9, "invalid");
  stats_refused ("complete=2\n", 11, "invalid");
  stats_refused ("complete=1\ncomplete=1\n", 22, "repeated");
  stats_refused ("runtime_s=18446744073709552\n", 28, "invalid");
  {
    char *big = malloc (OX_OVSTATS_MAX + 1);
    CHECK (big != NULL);
    memset (big, '\n', OX_OVSTATS_MAX + 1);
    stats_refused (big, OX_OVSTATS_MAX + 1, "too large");
    free (big);
  }
  /* Every proper prefix of a file that does not end a line is refused. */
  for (size_t n = 1; n < strlen (stats_golden); n++) {
    if (stats_golden[n - 1] == '\n')
      continue;
    CHECK_EQ_INT (ox_ovstats_parse (stats_golden, n, &got, &why), -1);
  }
}

int
main (void)
{
  ox_test_capture (0);
  test_header_golden ();
  test_header_format_refuses ();
  test_header_refused ();
  test_from_root ();
  test_map ();
  test_stats ();
  return 0;
}
