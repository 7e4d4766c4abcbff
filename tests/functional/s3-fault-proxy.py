#!/usr/bin/python3
# ox: a TCP proxy in front of the S3 test server that injects faults, for
# the retry tests (used by test-s3-store.sh; not a test itself).
#
#   s3-fault-proxy.py PORTFILE UPSTREAM_PORT MODE N [BYTES]
#   s3-fault-proxy.py PORTFILE UPSTREAM_PORT delay N BASE_MS MS_PER_1000
#                     [HANG_ABOVE]
#
# Listens on a free loopback port (written to PORTFILE) and forwards to
# 127.0.0.1:UPSTREAM_PORT. The first N connections (MODE "cut") have the
# server's answer cut after BYTES bytes (a reset mid-body), or the first N
# requests (MODE "slowdown") are answered 503 SlowDown without reaching
# the server. Later connections pass untouched. It counts the requests it
# refused or cut in PORTFILE.faults.
#
# MODE "delay" holds the first N requests whose server-side work grows with
# their size, DeleteObjects (POST ?delete) and CompleteMultipartUpload
# (POST ?uploadId=), for BASE_MS + MS_PER_1000 * ITEMS / 1000 ms before
# they reach the server (ITEMS: the <Object> or <Part> elements of the
# body), so the client hears nothing for that long, as from a slow server.
# Requests of more than HANG_ABOVE items are held for good (a server that
# cannot cope with batches that large). Each held request is logged in
# PORTFILE.log as "delete|complete ITEMS SECONDS|hang".
#
# MODE "flip" (answers are read one by one: with Content-Length, or
# chunked, as RGW sends listings; chunked ones pass untouched): the first N
# ranged GET answers (206 Partial
# Content) have one byte of their body inverted (its middle byte, or the
# byte at offset BYTES of the body when given), Content-Length kept: a
# fault on the wire that TCP missed. A ranged GET that overlaps a range
# already damaged (of the same object) always passes: a reader that
# fetches what failed once more gets good bytes. Later connections or
# requests pass untouched. MODE "flip-pages" does the same to the first N
# whole GETs (200) of manifest pages (keys with "/pages/"), each page at
# most once. It counts the requests it refused, cut or damaged in
# PORTFILE.faults.
import socket
import sys
import threading
import time

portfile, upstream, mode, nfaults = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], int(sys.argv[4])
cut_after = int(sys.argv[5]) if len(sys.argv) > 5 else 0
if mode == "delay":
    base_ms, ms_per_1000 = int(sys.argv[5]), int(sys.argv[6])
    hang_above = int(sys.argv[7]) if len(sys.argv) > 7 else None
lock = threading.Lock()
faults = 0

SLOWDOWN = (b"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>SlowDown"
            b"</Code><Message>Please reduce your request rate.</Message>"
            b"</Error>")


def take_fault():
    global faults
    with lock:
        if faults >= nfaults:
            return False
        faults += 1
        with open(portfile + ".faults", "w") as f:
            f.write("%d\n" % faults)
        return True


def pump(src, dst, limit=None):
    sent = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if limit is not None and sent + len(data) >= limit:
                dst.sendall(data[:limit - sent])
                break
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def read_request(conn, raw=None):
    # Read one request; return its head (and, with RAW a list, append the
    # head without Expect and the body to it, for forwarding).
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, body = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    expect = b"100-continue" in head.lower()
    if expect and length and not body:
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    while len(body) < length:
        data = conn.recv(65536)
        if not data:
            return None
        body += data
    if raw is not None:
        lines = [line for line in head.split(b"\r\n")
                 if not line.lower().startswith(b"expect:")]
        raw.append(b"\r\n".join(lines) + b"\r\n\r\n")
        raw.append(body)
    return head


def hold(head, body):
    # How long to hold a request in mode "delay": None (pass), or seconds,
    # or -1 (for good).
    line = head.split(b"\r\n", 1)[0]
    if not line.startswith(b"POST "):
        return None, None
    target = line.split(b" ")[1]
    if b"?delete" in target:
        kind, items = "delete", body.count(b"<Object>")
    elif b"uploadId=" in target:
        kind, items = "complete", body.count(b"<Part>")
    else:
        return None, None
    if not take_fault():
        return None, None
    if hang_above is not None and items > hang_above:
        return kind + " %d hang" % items, -1
    secs = (base_ms + ms_per_1000 * items / 1000.0) / 1000.0
    return kind + " %d %.2f" % (items, secs), secs


def delay(conn):
    # Forward request by request; answers flow back untouched.
    up = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pump, args=(up, conn), daemon=True).start()
    while True:
        raw = []
        try:
            head = read_request(conn, raw)
        except OSError:
            head = None
        if head is None:
            break
        what, secs = hold(head, raw[1])
        if what is not None:
            with lock:
                with open(portfile + ".log", "a") as f:
                    f.write(what + "\n")
            if secs < 0:
                # Wait for the client to give up and close.
                while conn.recv(65536):
                    pass
                break
            time.sleep(secs)
        try:
            up.sendall(b"".join(raw))
        except OSError:
            break
    for s in (conn, up):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def slowdown(conn):
    # Answer every request on this connection with 503 while faults last.
    while read_request(conn) is not None:
        conn.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Type: "
                     b"application/xml\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(SLOWDOWN) + SLOWDOWN)
        break
    conn.close()


class Reader:
    """Buffered reads of HTTP/1.1 messages from a socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head + b"\r\n\r\n"

    def body(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("short body")
            self.buf += data
        body, self.buf = self.buf[:n], self.buf[n:]
        return body

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("short chunked body")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line + b"\r\n"

    def chunked(self):
        # A chunked body as received (chunks, last chunk, trailers): RGW
        # sends listings so, without Content-Length.
        raw = b""
        while True:
            size = self.line()
            raw += size
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            raw += self.body(n + 2)
        while True:
            trailer = self.line()
            raw += trailer
            if trailer == b"\r\n":
                return raw


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


flipped = []  # (path, first, last) of the ranges damaged so far
flip_lock = threading.Lock()


def take_flip(req):
    # Whether to damage the answer to the ranged GET REQ (see the top).
    path = req.split(b" ", 2)[1]
    if mode == "flip-pages":
        spec = "bytes=0-"
    else:
        spec = header(req, b"range").decode()
    first, _, last = spec.partition("=")[2].partition("-")
    first = int(first or 0)
    last = int(last) if last else 1 << 62
    with flip_lock:
        for p, a, b in flipped:
            if p == path and first <= b and a <= last:
                return False
        if not take_fault():
            return False
        flipped.append((path, first, last))
        return True


def flip(conn):
    # Forward request by request, so that the body of each answer is known.
    up = socket.create_connection(("127.0.0.1", upstream))
    client, server = Reader(conn), Reader(up)
    try:
        while True:
            req = client.head()
            if req is None:
                break
            n = int(header(req, b"content-length") or 0)
            if b"100-continue" in req.lower():
                raise OSError("100-continue is not supported in flip mode")
            up.sendall(req + client.body(n))
            method = req.split(b" ", 1)[0]
            resp = server.head()
            if resp is None:
                break
            status = int(resp.split(b" ", 2)[1])
            n = int(header(resp, b"content-length") or 0)
            if method == b"HEAD" or status in (204, 304):
                n = 0
            elif b"chunked" in (header(resp, b"transfer-encoding") or b""):
                # Passed on untouched (only answers of known length are
                # damaged).
                conn.sendall(resp + server.chunked())
                continue
            body = bytearray(server.body(n))
            if mode == "flip":
                hit = (method == b"GET" and header(req, b"range")
                       and status == 206)
            else:
                hit = (method == b"GET" and b"/pages/" in req.split(b" ")[1]
                       and status == 200)
            if hit and n > 0 and take_flip(req):
                at = min(cut_after, n - 1) if cut_after else n // 2
                body[at] ^= 0xFF
            conn.sendall(resp + bytes(body))
    except OSError:
        pass
    conn.close()
    up.close()


def handle(conn):
    if mode == "delay":
        delay(conn)
        conn.close()
        return
    if mode in ("flip", "flip-pages"):
        flip(conn)
        return
    if mode == "slowdown" and take_fault():
        slowdown(conn)
        return
    up = socket.create_connection(("127.0.0.1", upstream))
    limit = cut_after if mode == "cut" and take_fault() else None
    threading.Thread(target=pump, args=(conn, up), daemon=True).start()
    pump(up, conn, limit)
    conn.close()
    up.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


main()
