/* bench-frame: throughput of chunk ids, frame encoding and decoding.
 *
 *   bench-frame [-c CHUNK_KIB] [-l LEVEL] [-j THREADS] [-p] FILE
 *
 * Reads FILE (e.g. a tar of /usr/lib) in batches, cuts it into chunks
 * (256 KiB by default), and times, per batch and summed over the file:
 * ox_chunk_id, ox_frame_encode and ox_frame_decode (which includes the
 * id check). Encrypted unless -p. Reading the file is not timed. MB/s are
 * of plaintext, 10^6 bytes per second, over all threads.
 *
 * Not part of the CMake build; after building ox_format in BUILD:
 *   cc -O2 -pthread -D_GNU_SOURCE -Icommon/base -Icommon/crypto \
 *      -Icommon/format bench/bench-frame.c \
 *      BUILD/common/format/libox_format.a BUILD/common/crypto/libox_crypto.a \
 *      BUILD/common/base/libox_base.a -lzstd -lxxhash -lcrypto -o bench-frame
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "fileio.h"
#include "monotime.h"
#include "frame.h"
#include "keys.h"
#include "manifest.h"

#define BATCH (256u << 20)
#define MAX_THREADS 64

static size_t chunk = 256 * 1024;
static int level = 1, nthreads = 1;
static struct ox_keys keys;

struct batch {
  uint8_t *data;
  size_t len, nchunks;
  uint8_t (*ids)[OX_ID_LEN];
  uint8_t *frames; /* nchunks slots of ox_frame_bound (chunk) bytes */
  size_t *frame_lens;
};

struct worker {
  pthread_t thread;
  struct batch *b;
  struct ox_codec *codec;
  ZSTD_CCtx *zstd; /* for the bare zstd baseline */
  uint8_t *out;
  int index, phase; /* 0 = id, 1 = encode, 2 = decode, 3 = bare zstd */
};

static void
run_chunk (struct worker *w, size_t i)
{
  struct batch *b = w->b;
  size_t bound = ox_frame_bound (chunk), len = ox_chunk_len (b->len, chunk, i),
         n;
  uint8_t *frame = b->frames + i * bound;
  const uint8_t *plain = b->data + ox_chunk_start (chunk, i);
  const char *why;

  switch (w->phase) {
  case 0:
    ox_chunk_id (&keys, plain, len, b->ids[i]);
    break;
  case 1:
    if (ox_frame_encode (w->codec, &keys, b->ids[i], plain, len, frame, bound,
                         &b->frame_lens[i])
        == -1)
      exit (1);
    break;
  case 2:
    if (ox_frame_decode (w->codec, &keys, b->ids[i], frame, b->frame_lens[i],
                         w->out, chunk, &n, &why)
            == -1
        || n != len || memcmp (w->out, plain, len) != 0) {
      fprintf (stderr, "bench-frame: chunk %zu: decode failed: %s\n", i, why);
      exit (1);
    }
    break;
  case 3:
    if (ZSTD_isError (
            ZSTD_compressCCtx (w->zstd, frame, bound, plain, len, level)))
      exit (1);
    break;
  }
}

static void *
run (void *arg)
{
  struct worker *w = arg;
  size_t i;

  for (i = w->index; i < w->b->nchunks; i += nthreads)
    run_chunk (w, i);
  return NULL;
}

/* Run PHASE over batch B on all workers; returns the seconds taken. */
static double
phase (struct worker *ws, struct batch *b, int ph)
{
  double t = ox_now_s ();
  int i;

  for (i = 0; i < nthreads; i++) {
    ws[i].b = b;
    ws[i].phase = ph;
    if (pthread_create (&ws[i].thread, NULL, run, &ws[i]) != 0)
      exit (1);
  }
  for (i = 0; i < nthreads; i++)
    pthread_join (ws[i].thread, NULL);
  return ox_now_s () - t;
}

static size_t
read_batch (int fd, uint8_t *buf, size_t cap)
{
  ssize_t n = ox_read_full (fd, buf, cap);

  if (n == -1) {
    perror ("read");
    exit (1);
  }
  return (size_t)n;
}

static void
usage (void)
{
  fprintf (stderr,
           "usage: bench-frame [-c CHUNK_KIB] [-l LEVEL] [-j THREADS] [-p] "
           "FILE\n");
  exit (2);
}

int
main (int argc, char *argv[])
{
  uint8_t sid[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];
  struct worker ws[MAX_THREADS];
  struct batch b;
  double t_id = 0, t_enc = 0, t_dec = 0, t_zstd = 0;
  uint64_t total = 0, stored = 0, raw = 0, frames = 0;
  size_t max_chunks, i;
  int opt, plain = 0, fd;

  while ((opt = getopt (argc, argv, "c:l:j:p")) != -1) {
    switch (opt) {
    case 'c':
      chunk = (size_t)atoi (optarg) * 1024;
      break;
    case 'l':
      level = atoi (optarg);
      break;
    case 'j':
      nthreads = atoi (optarg);
      break;
    case 'p':
      plain = 1;
      break;
    default:
      usage ();
    }
  }
  if (optind != argc - 1 || chunk == 0 || chunk > OX_FRAME_MAX_PLAIN
      || nthreads < 1 || nthreads > MAX_THREADS)
    usage ();
  fd = open (argv[optind], O_RDONLY);
  if (fd == -1) {
    perror (argv[optind]);
    exit (1);
  }
  if (ox_random_bytes (sid, sizeof sid) == -1
      || ox_random_bytes (master, sizeof master) == -1)
    exit (1);
  if (plain)
    ox_keys_init_plain (&keys, sid);
  else if (ox_keys_init_encrypted (&keys, sid, master) == -1)
    exit (1);

  max_chunks = ox_chunk_count (BATCH, chunk);
  b.data = malloc (BATCH);
  b.ids = malloc (max_chunks * OX_ID_LEN);
  b.frames = malloc (max_chunks * ox_frame_bound (chunk));
  b.frame_lens = malloc (max_chunks * sizeof (size_t));
  if (!b.data || !b.ids || !b.frames || !b.frame_lens)
    exit (1);
  /* Fault the buffers in now, not in the timed phases. */
  memset (b.data, 0, BATCH);
  memset (b.frames, 0, max_chunks * ox_frame_bound (chunk));
  for (i = 0; i < (size_t)nthreads; i++) {
    ws[i].index = i;
    ws[i].codec = ox_codec_new (level);
    ws[i].zstd = ZSTD_createCCtx ();
    ws[i].out = malloc (chunk);
    if (!ws[i].codec || !ws[i].zstd || !ws[i].out)
      exit (1);
  }

  while ((b.len = read_batch (fd, b.data, BATCH)) > 0) {
    b.nchunks = ox_chunk_count (b.len, chunk);
    t_zstd += phase (ws, &b, 3);
    t_id += phase (ws, &b, 0);
    t_enc += phase (ws, &b, 1);
    t_dec += phase (ws, &b, 2);
    for (i = 0; i < b.nchunks; i++) {
      stored += b.frame_lens[i];
      raw += b.frames[i * ox_frame_bound (chunk) + 1] == 0;
    }
    frames += b.nchunks;
    total += b.len;
  }
  close (fd);

  printf ("%s, %zu KiB chunks, zstd level %d, %d thread(s), %.0f MB\n",
          plain ? "unencrypted" : "encrypted", chunk / 1024, level, nthreads,
          total / 1e6);
  printf ("stored %.1f%% (%" PRIu64 " of %" PRIu64 " frames raw)\n",
          100.0 * stored / total, raw, frames);
  printf ("bare zstd compress %8.0f MB/s (baseline)\n", total / 1e6 / t_zstd);
  printf ("chunk id           %8.0f MB/s\n", total / 1e6 / t_id);
  printf ("encode             %8.0f MB/s\n", total / 1e6 / t_enc);
  printf ("id + encode        %8.0f MB/s\n", total / 1e6 / (t_id + t_enc));
  printf ("decode (+id check) %8.0f MB/s\n", total / 1e6 / t_dec);

  for (i = 0; i < (size_t)nthreads; i++) {
    ox_codec_free (ws[i].codec);
    ZSTD_freeCCtx (ws[i].zstd);
    free (ws[i].out);
  }
  free (b.data);
  free (b.ids);
  free (b.frames);
  free (b.frame_lens);
  ox_keys_wipe (&keys);
  return 0;
}
