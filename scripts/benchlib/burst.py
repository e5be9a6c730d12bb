"""A burst of concurrent echoes (Python stdlib only): N connections opened at
once to one port, each sends SIZE bytes of its own and must get exactly them
back (compared by SHA-256). Used by bench.py --burst and by the black-box
test of the default quotas (tests/blackbox/test_burst.py)."""

import errno
import hashlib
import os
import selectors
import socket
import time


def echo_burst(port, n, size, timeout=60, host="127.0.0.1"):
    """Opens n connections to host:port at once; each writes `size` random
    bytes, shuts down its sending side and reads to EOF. Returns a dict:
    ok (echoes whole and equal), failed, reasons (why -> count), seconds
    (to the last echo), p50_ms / p99_ms (each connection's connect to its
    last byte back)."""
    sel = selectors.DefaultSelector()
    reasons = {}
    times = []
    ok = 0

    def fail(why):
        reasons[why] = reasons.get(why, 0) + 1

    t0 = time.perf_counter()
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            err = s.connect_ex((host, port))
        except OSError as e:
            err = e.errno
        if err not in (0, errno.EINPROGRESS):
            s.close()
            fail(f"connect: {os.strerror(err)}")
            continue
        data = os.urandom(size)
        state = {"out": memoryview(data), "want": hashlib.sha256(data).digest(),
                 "got": hashlib.sha256(), "n": 0, "start": time.perf_counter()}
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ, state)
    deadline = t0 + timeout
    while sel.get_map() and time.perf_counter() < deadline:
        for key, events in sel.select(timeout=0.5):
            s, st = key.fileobj, key.data
            try:
                if events & selectors.EVENT_WRITE and st["out"] is not None:
                    sent = s.send(st["out"])
                    st["out"] = st["out"][sent:]
                    if not st["out"]:
                        st["out"] = None
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ, st)
                if events & selectors.EVENT_READ:
                    chunk = s.recv(65536)
                    if chunk:
                        st["got"].update(chunk)
                        st["n"] += len(chunk)
                        continue
                    sel.unregister(s)
                    s.close()
                    if st["n"] == size and st["got"].digest() == st["want"]:
                        ok += 1
                        times.append(time.perf_counter() - st["start"])
                    else:
                        fail("closed early" if st["n"] < size else "bytes differ")
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                sel.unregister(s)
                s.close()
                fail(e.strerror or str(e))
    for key in list(sel.get_map().values()):
        key.fileobj.close()
        fail("timed out")
    sel.close()
    times.sort()

    def pct(p):
        return times[min(len(times) - 1, int(len(times) * p / 100))] * 1000 if times else float("nan")
    return {"n": n, "size": size, "ok": ok, "failed": n - ok, "reasons": reasons,
            "seconds": time.perf_counter() - t0, "p50_ms": pct(50), "p99_ms": pct(99)}
