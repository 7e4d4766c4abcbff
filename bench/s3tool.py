#!/usr/bin/python3
# s3tool.py: the S3 helper of bench/bench-s3: SigV4 requests of its own
# (bucket creation, a whole-object PUT, listing sizes), presigned URLs,
# Swift's access-log collector, and RGW's ops log turned into lines of the
# same form. Endpoint and keys from the AWS_* variables of the test servers.
#
#   s3tool.py mkbucket BUCKET
#   s3tool.py put BUCKET KEY FILE [CANNED-ACL]
#   s3tool.py du BUCKET PREFIX          bytes and objects under PREFIX
#   s3tool.py presign BUCKET KEY SECONDS
#   s3tool.py collect LOGFILE PORTFILE  UDP log lines to LOGFILE
#   s3tool.py opslog OPSLOG LOGFILE     RGW's JSON ops log as log lines
import datetime, hashlib, hmac, http.client, json, os, socket, sys
import urllib.parse
import xml.etree.ElementTree as ET

ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
AK = os.environ["AWS_ACCESS_KEY_ID"]
SK = os.environ["AWS_SECRET_ACCESS_KEY"]
REGION = os.environ.get("AWS_REGION", "us-east-1")
HOST = urllib.parse.urlsplit(ENDPOINT).netloc
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def q(s, safe="-_.~"):
    return urllib.parse.quote(s, safe=safe)


def query(params):
    return "&".join("%s=%s" % (q(k), q(v)) for k, v in sorted(params.items()))


def sign(method, path, params, headers, payload_hash, amzdate):
    scope = "%s/%s/s3/aws4_request" % (amzdate[:8], REGION)
    low = {k.lower(): str(v).strip() for k, v in headers.items()}
    names = sorted(low)
    creq = "\n".join([method, q(path, "/-_.~"), query(params),
                      "".join("%s:%s\n" % (n, low[n]) for n in names),
                      ";".join(names), payload_hash])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + SK).encode()
    for part in (amzdate[:8], REGION, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return scope, ";".join(names), sig


def request(method, path, params=None, body_file=None, acl=None):
    params = params or {}
    amzdate = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    h = hashlib.sha256()
    length = 0
    if body_file:
        with open(body_file, "rb") as f:
            for blk in iter(lambda: f.read(1 << 20), b""):
                h.update(blk)
        length = os.path.getsize(body_file)
    headers = {"Host": HOST, "x-amz-date": amzdate,
               "x-amz-content-sha256": h.hexdigest()}
    if acl:
        headers["x-amz-acl"] = acl
    scope, signed, sig = sign(method, path, params, headers, h.hexdigest(),
                              amzdate)
    headers["Authorization"] = (
        "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
        % (AK, scope, signed, sig))
    headers["Content-Length"] = str(length)
    conn = http.client.HTTPConnection(HOST, timeout=600)
    url = q(path, "/-_.~") + ("?" + query(params) if params else "")
    conn.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    if body_file:
        with open(body_file, "rb") as f:
            for blk in iter(lambda: f.read(1 << 20), b""):
                conn.send(blk)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status >= 300:
        sys.exit("%s %s: HTTP %d %s" % (method, path, resp.status, data[:300]))
    return data


def du(bucket, prefix):
    n = total = 0
    token = None
    while True:
        params = {"list-type": "2", "prefix": prefix}
        if token:
            params["continuation-token"] = token
        root = ET.fromstring(request("GET", "/" + bucket, params))
        for c in root.findall(NS + "Contents"):
            n += 1
            total += int(c.find(NS + "Size").text)
        if root.findtext(NS + "IsTruncated") != "true":
            return total, n
        token = root.findtext(NS + "NextContinuationToken")


def presign(bucket, key, expires):
    amzdate = datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
    path = "/%s/%s" % (bucket, key)
    params = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
              "X-Amz-Credential": "%s/%s/%s/s3/aws4_request"
              % (AK, amzdate[:8], REGION),
              "X-Amz-Date": amzdate, "X-Amz-Expires": str(expires),
              "X-Amz-SignedHeaders": "host"}
    params["X-Amz-Signature"] = sign("GET", path, params, {"host": HOST},
                                     "UNSIGNED-PAYLOAD", amzdate)[2]
    return "%s%s?%s" % (ENDPOINT, q(path, "/-_.~"), query(params))


def collect(logfile, portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", 0))
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    with open(logfile, "ab", buffering=0) as out:
        while True:
            data = s.recv(65536)
            out.write(data.rstrip(b"\0\n") + b"\n")


# RGW's ops log (one JSON object a line) as access-log lines: a tag (where
# Swift's lines have syslog's), method, path, status, bytes received and
# sent, "-" (every entry is a client request), seconds.
def opslog(infile, outfile):
    with open(infile, errors="replace") as f, open(outfile + ".tmp", "w") as out:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            uri = (e.get("uri") or "- -").split(" ")
            out.write("radosgw: %s %s %s %d %d - %.6f\n" % (
                uri[0], uri[1] if len(uri) > 1 else "-", e.get("http_status"),
                e.get("bytes_received", 0), e.get("bytes_sent", 0),
                e.get("total_time", 0) / 1000.0))
    os.rename(outfile + ".tmp", outfile)


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "mkbucket":
    request("PUT", "/" + args[0])
elif cmd == "put":
    request("PUT", "/%s/%s" % (args[0], args[1]), body_file=args[2],
            acl=args[3] if len(args) > 3 else None)
elif cmd == "du":
    print("%d %d" % du(args[0], args[1]))
elif cmd == "presign":
    print(presign(args[0], args[1], int(args[2])))
elif cmd == "collect":
    collect(args[0], args[1])
elif cmd == "opslog":
    opslog(args[0], args[1])
else:
    sys.exit("unknown command " + cmd)
