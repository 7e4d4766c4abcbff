#!/usr/bin/python3
# ox: a TCP proxy in front of the S3 test server that injects faults, for
# the retry tests (used by test-s3-store.sh; not a test itself).
#
#   s3-fault-proxy.py PORTFILE UPSTREAM_PORT MODE N [BYTES]
#
# Listens on a free loopback port (written to PORTFILE) and forwards to
# 127.0.0.1:UPSTREAM_PORT. The first N connections (MODE "cut") have the
# server's answer cut after BYTES bytes (a reset mid-body), or the first N
# requests (MODE "slowdown") are answered 503 SlowDown without reaching
# the server. Later connections pass untouched. It counts the requests it
# refused or cut in PORTFILE.faults.
import socket
import sys
import threading

portfile, upstream, mode, nfaults = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], int(sys.argv[4])
cut_after = int(sys.argv[5]) if len(sys.argv) > 5 else 0
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


def read_request(conn):
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
    return head


def slowdown(conn):
    # Answer every request on this connection with 503 while faults last.
    while read_request(conn) is not None:
        conn.sendall(b"HTTP/1.1 503 Slow Down\r\nContent-Type: "
                     b"application/xml\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(SLOWDOWN) + SLOWDOWN)
        break
    conn.close()


def handle(conn):
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
