#!/usr/bin/python3
"""Prints N free TCP ports on 127.0.0.1 (default 1)."""
import socket
import sys

socks = []
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
