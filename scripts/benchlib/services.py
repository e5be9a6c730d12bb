"""The sink and echo services the bench measures against, each run in a
subprocess of its own (bench.py --_service KIND) so that the client's GIL
does not slow them down."""

import selectors
import socket
import struct
import sys
import threading

from .common import LOOPBACK, MIB


def serve_forever(kind):
    """Runs in a subprocess: a sink or echo service on 127.0.0.1:<OS port>.
    Prints the port on stdout, serves until stdin closes (the parent left)."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((LOOPBACK, 0))
    ls.listen(4096)  # --links opens thousands at once
    print(ls.getsockname()[1], flush=True)

    def sink(conn):
        buf = bytearray(4 * MIB)
        view = memoryview(buf)
        total = 0
        while True:
            n = conn.recv_into(view)
            if n == 0:
                break
            total += n
        conn.sendall(struct.pack("!Q", total))

    def echo(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)

    if kind == "mecho":
        return echo_many(ls)
    handler = sink if kind == "sink" else echo

    def run(conn):
        with conn:
            try:
                handler(conn)
            except OSError:
                pass

    def accept_loop():
        while True:
            conn, _ = ls.accept()
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # returns at EOF: the parent exited or closed the pipe


def echo_many(ls):
    """An echo service for thousands of connections at once (the --links and
    --idle-links modes): one thread and epoll, where a thread per connection
    would cost the service more than the tunnel."""
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                return  # the parent exited or closed the pipe
            if key.fileobj is ls:
                while True:
                    try:
                        conn, _ = ls.accept()
                    except BlockingIOError:
                        break
                    except OSError:
                        break  # out of descriptors: the next round tries again
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
                if data:
                    conn.sendall(data)  # small echoes: the send buffer takes them
                    continue
            except OSError:
                pass
            sel.unregister(conn)
            conn.close()
