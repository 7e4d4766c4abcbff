/* vsmux: carry many TCP connections over one byte stream (a virtio-serial
 * port), for the guest tests, whose guests have no IP network.
 *
 *   vsmux guest PORT DEVICE        listen on 127.0.0.1:PORT; every accepted
 *                                  connection becomes a stream on DEVICE
 *                                  (a character device, or unix:PATH to
 *                                  connect to a Unix socket instead)
 *   vsmux host SOCKET HOST:PORT    listen on the Unix socket SOCKET, take
 *                                  one connection (qemu's chardev, or a
 *                                  guest end), and open one TCP connection
 *                                  to HOST:PORT per stream
 *
 * Frames are in frame.h. One thread, one poll loop. Nothing is dropped:
 * bytes wait in per-connection buffers. Backpressure: a connection is not
 * read while the mux's output holds more than HIGH_WATER bytes, and the
 * mux is not read while any connection's output does (every stream then
 * waits for the slowest reader, which is fine for HTTP). Exits 1 with a
 * message when the mux stream ends or fails. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frame.h"

#define HIGH_WATER (1 << 20)

/* A growable byte buffer: bytes [off, len) are pending. */
struct buf {
  uint8_t *data;
  size_t off, len, cap;
};

/* One carried connection: FD is the TCP socket on this side. */
struct conn {
  uint32_t id;
  int fd;
  bool connecting; /* host side: nonblocking connect in progress */
  bool read_eof;   /* FD gave EOF; EOF frame sent */
  bool peer_eof;   /* EOF frame received: shut FD's write side once OUT
                      is empty */
  bool shut;       /* shutdown (SHUT_WR) done */
  struct buf out;  /* bytes for FD */
};

static bool host_mode;
static int mux_fd = -1;
static int listen_fd = -1;         /* guest: TCP; */
static struct addrinfo *target;    /* host: where streams go */
static struct buf mux_in, mux_out; /* frames from/to the mux */
static struct conn **conns;
static size_t nconns, conns_cap;
static uint32_t next_id = 1;
static bool verbose;

static void __attribute__ ((__noreturn__, __format__ (__printf__, 1, 2)))
fatal (const char *fmt, ...)
{
  va_list ap;
  fprintf (stderr, "vsmux %s: ", host_mode ? "host" : "guest");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (1);
}

static void __attribute__ ((__format__ (__printf__, 1, 2)))
note (const char *fmt, ...)
{
  va_list ap;
  if (!verbose)
    return;
  fprintf (stderr, "vsmux %s: ", host_mode ? "host" : "guest");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

/* realloc, or exit with a message. */
static void *
xrealloc (void *p, size_t n)
{
  void *q = realloc (p, n);
  if (q == NULL)
    fatal ("out of memory");
  return q;
}

static void
buf_append (struct buf *b, const void *p, size_t n)
{
  if (b->off > 0 && b->off == b->len)
    b->off = b->len = 0;
  if (b->len + n > b->cap) {
    if (b->off > 0) {
      memmove (b->data, b->data + b->off, b->len - b->off);
      b->len -= b->off;
      b->off = 0;
    }
    if (b->len + n > b->cap) {
      size_t cap = b->cap ? b->cap : 65536;
      while (cap < b->len + n)
        cap *= 2;
      b->data = xrealloc (b->data, cap);
      b->cap = cap;
    }
  }
  memcpy (b->data + b->len, p, n);
  b->len += n;
}

static size_t
buf_pending (const struct buf *b)
{
  return b->len - b->off;
}

/* Write what FD takes of B; -1 on an error other than EAGAIN. */
static int
buf_flush (struct buf *b, int fd)
{
  while (buf_pending (b) > 0) {
    ssize_t r = write (fd, b->data + b->off, buf_pending (b));
    if (r < 0)
      return errno == EAGAIN || errno == EINTR ? 0 : -1;
    b->off += r;
  }
  b->off = b->len = 0;
  return 0;
}

static void
send_frame (uint32_t id, uint8_t type, const void *payload, uint32_t n)
{
  uint8_t hdr[VSMUX_HEADER_SIZE];
  vsmux_encode_header (hdr, id, type, n);
  buf_append (&mux_out, hdr, sizeof hdr);
  if (n > 0)
    buf_append (&mux_out, payload, n);
}

static void
set_nonblock (int fd)
{
  int fl = fcntl (fd, F_GETFL);
  if (fl < 0 || fcntl (fd, F_SETFL, fl | O_NONBLOCK) < 0)
    fatal ("fcntl: %m");
}

static struct conn *
conn_add (uint32_t id, int fd)
{
  struct conn *c = calloc (1, sizeof *c);
  if (c == NULL)
    fatal ("out of memory");
  c->id = id;
  c->fd = fd;
  if (nconns == conns_cap) {
    conns_cap = conns_cap ? conns_cap * 2 : 16;
    conns = xrealloc (conns, conns_cap * sizeof *conns);
  }
  conns[nconns++] = c;
  return c;
}

static struct conn *
conn_find (uint32_t id)
{
  for (size_t i = 0; i < nconns; i++)
    if (conns[i]->id == id)
      return conns[i];
  return NULL;
}

/* Close and forget C; with SEND_CLOSE, tell the peer to do the same. */
static void
conn_drop (struct conn *c, bool send_close)
{
  note ("connection %u closed%s", c->id, send_close ? " (reset)" : "");
  if (send_close)
    send_frame (c->id, VSMUX_CLOSE, NULL, 0);
  close (c->fd);
  free (c->out.data);
  for (size_t i = 0; i < nconns; i++)
    if (conns[i] == c) {
      conns[i] = conns[--nconns];
      break;
    }
  free (c);
}

/* Host side: a new stream: start connecting to the target. */
static void
open_target (uint32_t id)
{
  int fd = socket (target->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    fatal ("socket: %m");
  struct conn *c = conn_add (id, fd);
  if (connect (fd, target->ai_addr, target->ai_addrlen) == 0)
    return;
  if (errno == EINPROGRESS) {
    c->connecting = true;
    return;
  }
  fprintf (stderr, "vsmux host: connection %u: connect: %m\n", id);
  conn_drop (c, true);
}

/* Handle one frame from the mux. */
static void
handle_frame (const struct vsmux_frame *f)
{
  struct conn *c = conn_find (f->id);
  if (f->type == VSMUX_OPEN) {
    if (!host_mode || c != NULL)
      fatal ("unexpected open of connection %u", f->id);
    note ("connection %u opened", f->id);
    open_target (f->id);
    return;
  }
  if (c == NULL) {
    /* Frames that crossed our CLOSE, or a CLOSE that crossed theirs. */
    return;
  }
  switch (f->type) {
  case VSMUX_DATA:
    if (c->peer_eof)
      fatal ("connection %u: data after eof", f->id);
    buf_append (&c->out, f->payload, f->length);
    break;
  case VSMUX_EOF:
    c->peer_eof = true;
    break;
  case VSMUX_CLOSE:
    conn_drop (c, false);
    break;
  }
}

static void
read_mux (void)
{
  uint8_t tmp[65536];
  ssize_t r = read (mux_fd, tmp, sizeof tmp);
  if (r < 0) {
    if (errno == EAGAIN || errno == EINTR)
      return;
    fatal ("reading the mux: %m");
  }
  if (r == 0)
    fatal ("the mux stream ended");
  buf_append (&mux_in, tmp, r);
  for (;;) {
    struct vsmux_frame f;
    long n
        = vsmux_decode (mux_in.data + mux_in.off, buf_pending (&mux_in), &f);
    if (n < 0)
      fatal ("bad frame header (type %u, length %u)", f.type, f.length);
    if (n == 0)
      break;
    handle_frame (&f);
    mux_in.off += n;
  }
}

/* Read from connection C into DATA frames; EOF or an error end it. */
static void
read_conn (struct conn *c)
{
  uint8_t tmp[VSMUX_MAX_PAYLOAD];
  ssize_t r = read (c->fd, tmp, sizeof tmp);
  if (r < 0) {
    if (errno == EAGAIN || errno == EINTR)
      return;
    note ("connection %u: read: %m", c->id);
    conn_drop (c, true);
  } else if (r == 0) {
    c->read_eof = true;
    send_frame (c->id, VSMUX_EOF, NULL, 0);
  } else {
    send_frame (c->id, VSMUX_DATA, tmp, r);
  }
}

/* Write C's pending bytes, finish its connect, shut or free it; false if
 * C was freed. */
static bool
write_conn (struct conn *c)
{
  if (c->connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      fprintf (stderr, "vsmux host: connection %u: connect: %s\n", c->id,
               strerror (err));
      conn_drop (c, true);
      return false;
    }
    c->connecting = false;
  }
  if (buf_flush (&c->out, c->fd) < 0) {
    note ("connection %u: write: %m", c->id);
    conn_drop (c, true);
    return false;
  }
  if (buf_pending (&c->out) == 0 && c->peer_eof && !c->shut) {
    shutdown (c->fd, SHUT_WR);
    c->shut = true;
  }
  if (c->shut && c->read_eof) {
    conn_drop (c, false);
    return false;
  }
  return true;
}

static void
accept_conn (void)
{
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK);
  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
      fprintf (stderr, "vsmux guest: accept: %m\n");
    return;
  }
  struct conn *c = conn_add (next_id++, fd);
  note ("connection %u opened", c->id);
  send_frame (c->id, VSMUX_OPEN, NULL, 0);
}

static void
run (void)
{
  struct pollfd *pfd = NULL;
  uint32_t *ids = NULL;
  size_t cap = 0;
  for (;;) {
    bool conns_full = false;
    for (size_t i = 0; i < nconns; i++)
      if (buf_pending (&conns[i]->out) > HIGH_WATER)
        conns_full = true;
    bool mux_full = buf_pending (&mux_out) > HIGH_WATER;
    if (cap < nconns + 2) {
      cap = nconns + 16;
      pfd = xrealloc (pfd, cap * sizeof *pfd);
      ids = xrealloc (ids, cap * sizeof *ids);
    }
    short mux_ev = conns_full ? 0 : POLLIN;
    if (buf_pending (&mux_out) > 0)
      mux_ev |= POLLOUT;
    pfd[0] = (struct pollfd){ .fd = mux_fd, .events = mux_ev };
    pfd[1] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
    size_t n = nconns;
    for (size_t i = 0; i < n; i++) {
      struct conn *c = conns[i];
      short ev = 0;
      if (c->connecting || buf_pending (&c->out) > 0
          || (c->peer_eof && !c->shut))
        ev |= POLLOUT;
      if (!c->connecting && !c->read_eof && !mux_full)
        ev |= POLLIN;
      ids[i] = c->id;
      pfd[i + 2] = (struct pollfd){ .fd = ev ? c->fd : -1, .events = ev };
    }
    if (poll (pfd, n + 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      fatal ("poll: %m");
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
      read_mux ();
    if (pfd[1].revents & POLLIN)
      accept_conn ();
    /* By id: read_mux may have freed connections. */
    for (size_t i = 0; i < n; i++) {
      short rev = pfd[i + 2].revents;
      struct conn *c = conn_find (ids[i]);
      if (c == NULL || rev == 0)
        continue;
      if (c->connecting) {
        write_conn (c);
        continue;
      }
      if ((rev & (POLLIN | POLLHUP | POLLERR)) && !c->read_eof) {
        read_conn (c);
        if ((c = conn_find (ids[i])) == NULL)
          continue;
      }
      write_conn (c);
    }
    if (buf_flush (&mux_out, mux_fd) < 0)
      fatal ("writing the mux: %m");
  }
}

/* Split "HOST:PORT" and resolve it into the global target. */
static void
resolve_target (const char *arg)
{
  char *host = strdup (arg), *colon = strrchr (host, ':');
  if (colon == NULL)
    fatal ("%s: not HOST:PORT", arg);
  *colon = '\0';
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
  int r = getaddrinfo (host, colon + 1, &hints, &target);
  if (r != 0)
    fatal ("%s: %s", arg, gai_strerror (r));
  free (host);
}

static void
unix_address (struct sockaddr_un *sa, const char *path)
{
  *sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof sa->sun_path)
    fatal ("%s: path too long", path);
  strcpy (sa->sun_path, path);
}

/* Host: listen on the Unix socket PATH and take one connection. */
static int
accept_mux (const char *path)
{
  struct sockaddr_un sa;
  unix_address (&sa, path);
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);
  unlink (path);
  if (fd < 0 || bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0
      || listen (fd, 1) < 0)
    fatal ("%s: %m", path);
  int m = accept (fd, NULL, NULL);
  if (m < 0)
    fatal ("%s: accept: %m", path);
  close (fd);
  unlink (path);
  return m;
}

/* Guest: open the device DEV, or connect to unix:PATH. */
static int
open_mux (const char *dev)
{
  if (strncmp (dev, "unix:", 5) == 0) {
    struct sockaddr_un sa;
    unix_address (&sa, dev + 5);
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa) < 0)
      fatal ("%s: %m", dev);
    return fd;
  }
  int fd = open (dev, O_RDWR | O_NOCTTY);
  if (fd < 0)
    fatal ("%s: %m", dev);
  return fd;
}

static int
listen_tcp (const char *port)
{
  char *end;
  long p = strtol (port, &end, 10);
  if (*port == '\0' || *end != '\0' || p <= 0 || p > 65535)
    fatal ("%s: not a TCP port", port);
  struct sockaddr_in sa = { .sin_family = AF_INET,
                            .sin_port = htons (p),
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  int one = 1, fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0)
    fatal ("socket: %m");
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen (fd, 64) < 0)
    fatal ("127.0.0.1:%ld: %m", p);
  return fd;
}

int
main (int argc, char **argv)
{
  verbose = getenv ("VSMUX_VERBOSE") != NULL;
  if (argc != 4
      || (strcmp (argv[1], "guest") != 0 && strcmp (argv[1], "host") != 0)) {
    fprintf (stderr, "usage: vsmux guest LISTEN_PORT DEVICE|unix:PATH\n"
                     "       vsmux host UNIX_SOCKET TARGET_HOST:PORT\n");
    return 2;
  }
  signal (SIGPIPE, SIG_IGN);
  host_mode = strcmp (argv[1], "host") == 0;
  if (host_mode) {
    resolve_target (argv[3]);
    mux_fd = accept_mux (argv[2]);
  } else {
    listen_fd = listen_tcp (argv[2]);
    mux_fd = open_mux (argv[3]);
  }
  set_nonblock (mux_fd);
  run ();
}
