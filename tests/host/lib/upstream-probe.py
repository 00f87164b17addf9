#!/usr/bin/env python3
"""A stand-in for the web service behind the app's nginx, for the host test's resend check.

Prints each request line it reads to stdout (`docker logs` shows them), then either closes the
connection without an answer (--mode close: the app read the request and failed on it) or answers
200 (--mode answer). Stops by itself after --seconds.
"""
import argparse
import socket
import sys
import time


def read_request(conn):
    """The request line, after reading the headers and a Content-Length body (bounded)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = min(int(value.strip() or 0), 65536)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head.split(b"\r\n", 1)[0].decode("latin-1")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["close", "answer"], required=True)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()
    server = socket.create_server(("0.0.0.0", args.port))
    server.settimeout(1)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        with conn:
            conn.settimeout(5)
            try:
                line = read_request(conn)
            except OSError:
                continue
            print(line, flush=True)
            if args.mode == "answer":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
