#!/usr/bin/python3
# SCTP (one-to-one style) traffic for the kernel tests, run inside the guest with the host's python3.
#   sctp-traffic.py server PORT          per association: read an 8-byte length N, then N bytes, reply "got N\n"
#                                        and close (SCTP has no half-close, hence the length prefix)
#   sctp-traffic.py client HOST PORT N   send N bytes that way and print the reply
import socket
import struct
import sys


def recv_exact(c, n):
    got = bytearray()
    while len(got) < n:
        b = c.recv(min(65536, n - len(got)))
        if not b:
            break
        got += b
    return bytes(got)


mode = sys.argv[1]
if mode == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    s.listen(4)
    print("listening", sys.argv[2], flush=True)
    while True:
        c, _ = s.accept()
        (n,) = struct.unpack("!Q", recv_exact(c, 8))
        got = 0
        while got < n:
            b = c.recv(min(65536, n - got))
            if not b:
                break
            got += len(b)
        c.sendall(b"got %d\n" % got)
        c.close()
elif mode == "client":
    host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    c.settimeout(20)
    c.connect((host, port))
    c.sendall(struct.pack("!Q", n))
    buf = b"z" * 16384
    left = n
    while left > 0:
        k = min(left, len(buf))
        c.sendall(buf[:k])
        left -= k
    reply = b""
    while True:
        b = c.recv(4096)
        if not b:
            break
        reply += b
    print(reply.decode().strip(), flush=True)
else:
    sys.exit("usage: sctp-traffic.py server PORT | client HOST PORT N")
