#!/usr/bin/python3
"""An independent reader of an unencrypted ox store, written from
docs/FORMAT.md alone (not from the C code): it checks every object of one
snapshot against the spec and writes the volume to a file.

Usage: oxsnap-reader.py STORE_DIR VOLUME SNAPSHOT_ID OUTPUT

The store must hold snapshots of VOLUME only.

Checks what needs no key and no XXH3 (Python has no XXH3 here): magics,
versions, reserved fields, lengths and offsets, SHA-256 checksums and MACs
(an unencrypted store's MAC is SHA-256), chunk and page ids, and the
segment index against the manifest. zstd frames are decoded with the zstd
command. Exits 1 with a message on the first violation.
"""
import hashlib
import os
import re
import struct
import subprocess
import sys


def die(msg):
    print("FORMAT VIOLATION: " + msg, file=sys.stderr)
    sys.exit(1)


def need(cond, msg):
    if not cond:
        die(msg)


def sha256(b):
    return hashlib.sha256(b).digest()


def read(store, key):
    with open(os.path.join(store, key), "rb") as f:
        return f.read()


def read_store_config(store):
    """Section 3: ox-store. Returns the store id."""
    d = read(store, "ox-store")
    need(len(d) >= 36 + 32, "ox-store too short")
    magic, version, flags, store_id, nslots = struct.unpack_from(
        "<8sII16sI", d, 0)
    need(magic == b"OXSTORE\0", "ox-store magic")
    need(version == 1, "ox-store version %d" % version)
    need(flags == 0, "ox-store flags %d: this reader wants no encryption" % flags)
    need(nslots == 0, "unencrypted ox-store with %d key slots" % nslots)
    need(len(d) == 36 + 32, "ox-store length %d" % len(d))
    need(d[-32:] == sha256(d[:-32]), "ox-store checksum")
    return store_id


def decode_frame(frame, expect_id, what):
    """Section 4, cipher 0: returns the plaintext, checked against its id."""
    need(len(frame) >= 16 + 8, what + ": frame too short")
    version, codec, cipher, epoch, plain_len, body_len, reserved = \
        struct.unpack_from("<BBBBIII", frame, 0)
    need(version == 1, what + ": frame version %d" % version)
    need(codec in (0, 1), what + ": codec %d" % codec)
    need(cipher == 0, what + ": cipher %d in an unencrypted store" % cipher)
    need(epoch == 0 and reserved == 0, what + ": reserved frame fields")
    need(1 <= plain_len <= 1 << 26, what + ": plain_len %d" % plain_len)
    need(len(frame) == 16 + body_len + 8,
         what + ": frame of %d bytes for a body of %d" % (len(frame), body_len))
    body = frame[16:16 + body_len]
    if codec == 0:
        plain = body
    else:
        plain = subprocess.run(["zstd", "-d", "-c", "-q"], input=body,
                               stdout=subprocess.PIPE, check=True).stdout
        need(body_len < plain_len, what + ": zstd body not smaller than raw")
    need(len(plain) == plain_len,
         what + ": %d bytes decoded, header says %d" % (len(plain), plain_len))
    need(sha256(plain) == expect_id, what + ": id is not SHA256(plaintext)")
    return plain


def read_root(store, volume, snap_hex):
    """Section 6.2."""
    key = "volumes/%s/snapshots/%s" % (volume, snap_hex)
    d = read(store, key)
    fixed = "<8sIIQQQQIIIHHQQQQ24s"
    need(struct.calcsize(fixed) == 120, "root fixed part is not 120 bytes")
    (magic, version, flags, snap_id, created, parent, volume_size, chunk_size,
     cpp, npages, name_len, parent_len, data_chunks, stored, new_chunks,
     reused, reserved24) = struct.unpack_from(fixed, d, 0)
    need(magic == b"OXROOT\0\1", key + ": magic")
    need(version in (1, 2) and flags == 0 and reserved24 == b"\0" * 24,
         key + ": version/reserved")
    need(version == 2 or (parent_len == 0 and reused == 0),
         key + ": version 1 with version 2 fields")
    need("%016x" % snap_id == snap_hex, key + ": snapshot id")
    need(created == snap_id >> 24, key + ": created is not the id's time")
    need(parent_len == 0 or parent != 0, key + ": parent volume, no parent")
    need(new_chunks + reused <= data_chunks, key + ": chunk counts")
    need(chunk_size & (chunk_size - 1) == 0
         and 4096 <= chunk_size <= 64 << 20, key + ": chunk size")
    nchunks = -(-volume_size // chunk_size)
    need(npages == -(-nchunks // cpp), key + ": npages")
    names = name_len + parent_len
    need(len(d) == 120 + names + 32 * npages + 32, key + ": length")
    need(d[120:120 + name_len].decode() == volume, key + ": volume name")
    parent_volume = d[120 + name_len:120 + names].decode() or volume
    need(parent_len == 0 or parent_volume != volume,
         key + ": parent volume named the same as the volume")
    need(d[-32:] == sha256(d[:-32]), key + ": MAC")
    pages = [d[120 + names + 32 * i:120 + names + 32 * (i + 1)]
             for i in range(npages)]
    return dict(volume_size=volume_size, chunk_size=chunk_size, cpp=cpp,
                pages=pages, nchunks=nchunks, data_chunks=data_chunks,
                snap_id=snap_id, stored=stored, new_chunks=new_chunks,
                reused=reused, parent=parent, parent_volume=parent_volume)


def read_page(store, page_id, index, root):
    """Section 6.1. Returns a list of entries."""
    h = page_id.hex()
    key = "pages/%s/%s" % (h[:2], h)
    plain = decode_frame(read(store, key), page_id, key)
    magic, page_index, nentries, nsegs, reserved = struct.unpack_from(
        "<8sIIII", plain, 0)
    need(magic == b"OXPAGE\0\1", key + ": magic")
    need(page_index == index and reserved == 0, key + ": index/reserved")
    want = min(root["cpp"], root["nchunks"] - index * root["cpp"])
    need(nentries == want, key + ": %d entries, want %d" % (nentries, want))
    need(len(plain) == 24 + 16 * nsegs + 48 * nentries, key + ": length")
    segs = [plain[24 + 16 * i:24 + 16 * (i + 1)] for i in range(nsegs)]
    entries = []
    base = 24 + 16 * nsegs
    for i in range(nentries):
        cid, seg, off, length, flags = struct.unpack_from(
            "<32sIIII", plain, base + 48 * i)
        if flags == 1:
            need(cid == b"\0" * 32, key + ": ZERO entry with an id")
            entries.append(None)
        else:
            need(flags == 0, key + ": entry flags %d" % flags)
            need(seg < nsegs, key + ": segment index out of range")
            entries.append((cid, segs[seg], off, length))
    return entries


def parse_segment(store, key, store_id):
    """Section 5: header, index, footer. Returns (data, snapshot id, frames
    {offset: (id, length, plain_len)}, refs {chunk index: id}, frame bytes,
    volume name)."""
    d = read(store, key)
    need(len(d) >= 56 + 64, key + ": too short")
    magic, sid, segid, snap, name_len, res = struct.unpack_from(
        "<8s16s16sQH6s", d, 0)
    need(magic == b"OXSEG\0\0\1", key + ": magic")
    need(sid == store_id, key + ": store id")
    need(key.endswith("/" + segid.hex()), key + ": segment id")
    need(res == b"\0" * 6, key + ": reserved header field")
    header_len = 56 + name_len  # the sum of the fields of section 5.1
    seg_volume = d[56:header_len].decode()
    need(re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}", seg_volume),
         key + ": volume name")
    fmagic, index_off, nframes, nrefs, index_len, fres, mac, check = \
        struct.unpack_from("<8sQIIII24sQ", d, len(d) - 64)
    need(fmagic == b"OXSEGEND" and fres == 0, key + ": footer magic")
    need(index_len == 48 * nframes + 40 * nrefs, key + ": index_len")
    need(index_off + index_len + 64 == len(d), key + ": index placement")
    index = d[index_off:index_off + index_len]
    need(mac == sha256(d[:header_len] + index)[:24], key + ": index MAC")
    frames = {}
    end = header_len
    for i in range(nframes):
        cid, off, length, plain_len, r = struct.unpack_from(
            "<32sIIII", index, 48 * i)
        need(r == 0, key + ": frame entry reserved")
        need(off == end, key + ": frames are not concatenated after the "
             "header (frame %d at %d, expected %d)" % (i, off, end))
        end = off + length
        frames[off] = (cid, length, plain_len)
    need(end == index_off, key + ": frames do not end at the index")
    refs = {}
    for i in range(nrefs):
        idx, cid = struct.unpack_from("<Q32s", index, 48 * nframes + 40 * i)
        need(idx not in refs, key + ": two refs for chunk %d" % idx)
        refs[idx] = cid
    return d, snap, frames, refs, index_off - header_len, seg_volume


def main():
    store, volume, snap_hex, out = sys.argv[1:5]
    store_id = read_store_config(store)
    root = read_root(store, volume, snap_hex)
    cs = root["chunk_size"]
    chunks = []
    for p, pid in enumerate(root["pages"]):
        chunks += read_page(store, pid, p, root)
    need(len(chunks) == root["nchunks"], "pages do not cover the volume")
    need(sum(1 for e in chunks if e) == root["data_chunks"], "data_chunks")

    # Every segment of the store; those written by this snapshot must hold
    # a ref entry for each of its non-ZERO chunks (section 5.2).
    segments, refs = {}, {}
    nframes = stored = 0
    for d, _, files in os.walk(os.path.join(store, "segments")):
        for name in files:
            key = os.path.relpath(os.path.join(d, name), store)
            need(key == "segments/%s/%s" % (name[:2], name) and
                 len(name) == 32, key + ": not a segment key")
            seg = parse_segment(store, key, store_id)
            segments[bytes.fromhex(name)] = seg
            if seg[1] == root["snap_id"] and seg[5] == volume:
                for idx, cid in seg[3].items():
                    need(idx not in refs, "two refs for chunk %d" % idx)
                    refs[idx] = cid
                nframes += len(seg[2])
                stored += seg[4]
    need(nframes == root["new_chunks"], "new_chunks is not the frame count")
    need(stored == root["stored"], "stored_bytes is not the frames' size")
    need(len(refs) == root["data_chunks"], "refs do not match data chunks")

    # An incremental snapshot's entries may name frames that earlier
    # snapshots stored (section 6.2): exactly reused_chunks of them.
    mine = {k for k, v in segments.items()
            if v[1] == root["snap_id"] and v[5] == volume}
    reused = sum(1 for e in chunks if e and e[1] not in mine)
    need(reused == root["reused"], "reused_chunks is %d, entries say %d"
         % (root["reused"], reused))

    with open(out, "wb") as f:
        f.truncate(root["volume_size"])
        for idx, e in enumerate(chunks):
            if e is None:
                need(idx not in refs, "ref entry for ZERO chunk %d" % idx)
                continue
            cid, seg_id, off, length = e
            what = "chunk %d" % idx
            need(refs.get(idx) == cid, what + ": no matching ref entry")
            need(seg_id in segments, what + ": segment %s missing" %
                 seg_id.hex())
            data, _, frames, _, _, _ = segments[seg_id]
            need(frames.get(off, (None, None))[:2] == (cid, length),
                 what + ": no matching frame entry")
            plain = decode_frame(data[off:off + length], cid, what)
            want = min(cs, root["volume_size"] - idx * cs)
            need(len(plain) == want and frames[off][2] == want,
                 what + ": length")
            f.seek(idx * cs)
            f.write(plain)
    print("read %d chunks (%d with data, %d frames, %d reused) from %d "
          "segments" % (len(chunks), root["data_chunks"], nframes, reused,
                        len(segments)))


if __name__ == "__main__":
    main()
