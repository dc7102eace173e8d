#!/usr/bin/env python3
"""Edit a classic pcap of liqd feed packets (Ethernet/IPv4/UDP) for tests/feedguard.

  pcapedit.py poison IN OUT SEQ [AT [FLAGS]]
                                       a heartbeat of the capture's session with sequence
                                       number SEQ (and header FLAGS: 1 = END_OF_SESSION)
                                       inserted after record AT (default: half way)
  pcapedit.py drop IN OUT FIRST N      records FIRST .. FIRST+N-1 (0-based) left out
  pcapedit.py linktype IN OUT TYPE     the file header's link type set to TYPE
  pcapedit.py session IN                print the first feed packet's session
"""
import struct
import sys

MAGIC = 0x4446514C


def read(path):
    data = open(path, "rb").read()
    if struct.unpack_from("<I", data, 0)[0] not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("pcapedit: only little-endian classic pcap")
    head, recs, off = data[:24], [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        recs.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return head, recs


def write(path, head, recs):
    with open(path, "wb") as f:
        f.write(head)
        for r in recs:
            f.write(r)


def payload(rec):
    frame = rec[16:]
    ihl = (frame[14] & 15) * 4
    return frame[14 + ihl + 8:]


def ip_csum(h):
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def with_payload(rec, body):
    ts = rec[:8]
    frame = rec[16:]
    ihl = (frame[14] & 15) * 4
    eth, ip, udp = frame[:14], bytearray(frame[14:14 + ihl]), bytearray(frame[14 + ihl:14 + ihl + 8])
    struct.pack_into("!H", ip, 2, ihl + 8 + len(body))
    struct.pack_into("!H", ip, 10, 0)
    struct.pack_into("!H", ip, 10, ip_csum(bytes(ip)))
    struct.pack_into("!H", udp, 4, 8 + len(body))
    struct.pack_into("!H", udp, 6, 0)
    frame = eth + bytes(ip) + bytes(udp) + body
    return ts + struct.pack("<II", len(frame), len(frame)) + frame


def session_of(recs):
    for r in recs:
        p = payload(r)
        if len(p) >= 24 and struct.unpack_from("<I", p, 0)[0] == MAGIC:
            return struct.unpack_from("<Q", p, 8)[0]
    sys.exit("pcapedit: no liqd feed packet")


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "session":
        print(session_of(read(a[0])[1]))
        return
    head, recs = read(a[0])
    if cmd == "poison":
        at = int(a[3]) if len(a) > 3 else len(recs) // 2
        flags = int(a[4]) if len(a) > 4 else 0
        hb = struct.pack("<IBBHQQ", MAGIC, 1, flags, 0, session_of(recs), int(a[2]))
        recs.insert(at + 1, with_payload(recs[at], hb))
    elif cmd == "drop":
        first, n = int(a[2]), int(a[3])
        del recs[first:first + n]
    elif cmd == "linktype":
        head = head[:20] + struct.pack("<I", int(a[2]))
    else:
        sys.exit(__doc__)
    write(a[1], head, recs)


if __name__ == "__main__":
    main()
