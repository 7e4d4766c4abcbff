#!/usr/bin/python3
# churn.py: one "day" of deterministic file churn in a mounted file system,
# for bench/bench-gc. Seeded by SEED and DAY: the same machine (the same
# pool of source files) gives the same churn.
#
#   churn.py fill MNT POOL BYTES SEED        day 0: files up to BYTES
#   churn.py day MNT POOL BYTES SEED DAY     delete, rewrite and add about
#                                            BYTES each (a third each)
#
# POOL is a file listing source files (one path a line, e.g. from /usr):
# new files take their content from them, with 16 seeded random bytes every
# 64 KiB so that the content is new (it compresses like real files but does
# not deduplicate against what is already stored). A rewritten file gets its
# whole content perturbed the same way (as an application rewriting a file
# does) and grows by up to 1/8.
import os, random, sys

STEP = 65536


def perturb(data, r):
    out = bytearray(data)
    for off in range(0, len(out), STEP):
        n = min(16, len(out) - off)
        out[off:off + n] = r.randbytes(n)
    return bytes(out)


def files_of(mnt):
    res = []
    for d, dirs, names in os.walk(mnt):
        dirs.sort()
        if os.path.basename(d) == "lost+found":
            continue
        for n in sorted(names):
            p = os.path.join(d, n)
            if os.path.isfile(p) and not os.path.islink(p):
                res.append(p)
    return res


def add(mnt, pool, want, r, tag):
    done = n = 0
    dest = os.path.join(mnt, tag)
    os.makedirs(dest, exist_ok=True)
    while done < want:
        src = pool[r.randrange(len(pool))]
        try:
            with open(src, "rb") as f:
                data = f.read(min(want - done, 8 << 20))
        except OSError:
            continue
        if not data:
            continue
        with open(os.path.join(dest, "f%05d" % n), "wb") as f:
            f.write(perturb(data, r))
        done += len(data)
        n += 1
    return done


def main():
    cmd, mnt, poolfile, nbytes, seed = sys.argv[1:6]
    nbytes, seed = int(nbytes), int(seed)
    pool = [l.rstrip("\n") for l in open(poolfile) if l.strip()]
    if cmd == "fill":
        r = random.Random(seed)
        for i in range(64):
            add(mnt, pool, nbytes // 64, r, "d0/%02d" % i)
        return
    day = int(sys.argv[6])
    r = random.Random(seed * 1000003 + day)
    third = nbytes // 3
    files = files_of(mnt)
    r.shuffle(files)
    deleted = rewritten = 0
    i = 0
    while deleted < third and i < len(files):
        deleted += os.path.getsize(files[i])
        os.unlink(files[i])
        i += 1
    while rewritten < third and i < len(files):
        p = files[i]
        i += 1
        with open(p, "rb") as f:
            data = f.read()
        data += data[: r.randrange(len(data) // 8 + 1)]
        with open(p + ".tmp", "wb") as f:
            f.write(perturb(data, r))
        os.rename(p + ".tmp", p)
        rewritten += len(data)
    added = add(mnt, pool, third, r, "day%03d" % day)
    print(deleted, rewritten, added)


main()
