"""The attacks of issue 8, each a bounded function of a hostile client, run in
a process of its own so that its sockets, CPU and GIL stay apart from the
measurements of the test (or the soak, or the bench) that started it:

    python3 attacks.py NAME --port ROUTE_PORT [--seconds S] [--count N] ...

The process prints "ATTACKING" once the attack is in full swing, keeps it up
until its time budget ends or its stdin closes, then prints "RESULT {json}"
(what it did and what the route answered) and exits, closing every socket.
Every loop is bounded in count and time. Names and numbers come from the
issue; tests pass smaller ones where that suffices.
"""

import argparse
import json
import os
import socket
import stat
import sys
import threading
import time

import wire
from attack_tools import (STOP, Drainer, attacking, ended_by_route, flood, hold, raise_fd_limit,
                          source_address, stopped, try_hello)

# ------------------------------------------------------------------ attacks


def list_overflow(a, deadline):
    """17 serves with 64 KiB of info, then the office's static serveid."""
    out = {"info_refused": 0, "info_accepted": 0, "dropped": 0, "squat": None}
    conn = None
    for i in range(a.count or 17):
        if conn is None:
            conn, why = try_hello(a.port, f"overflow{i}", a.group)
            if conn is None:
                out.setdefault("hello_refused", []).append(why)
                continue
        try:
            r = wire.register(conn, 0, name=f"big{i}", port=1, info="x" * 65535, request_id=i + 1,
                              timeout=5)
        except (wire.ProtocolError, OSError) as e:
            out["info_refused"] += 1
            out["last_error"] = str(e)
            conn.close()
            conn = None
            out["dropped"] += 1
            continue
        if r is None:
            out["dropped"] += 1
            conn.close()
            conn = None
        elif r["ok"]:
            out["info_accepted"] += 1
        else:
            out["info_refused"] += 1
            out["last_error"] = r["reason"]
    if a.serveid:
        if conn is None:
            conn, _ = try_hello(a.port, "squatter", a.group)
        if conn is not None:
            try:
                r = wire.register(conn, a.serveid, name="squat", port=1, request_id=9999, timeout=5)
                out["squat"] = {"ok": bool(r and r["ok"]), "reason": r and r["reason"]}
            except (wire.ProtocolError, OSError) as e:
                out["squat"] = {"ok": False, "reason": str(e)}
    attacking()
    hold(deadline)
    return out


def pad_group(a, out):
    """One session registers a.pad serves with the largest info the route
    accepts, so that the group's serve list is big (about 600 bytes each);
    its pushes are drained. Returns the Drainer (stop it at the end)."""
    out["padded"] = 0
    pad, why = try_hello(a.port, "padder", a.group)
    if pad is None:
        out["pad_refused"] = why
        return Drainer([])
    for i in range(a.pad):
        try:
            r = wire.register(pad, 0, name=f"pad{i}", port=1, info="i" * 512, request_id=i + 1,
                              timeout=5)
        except (wire.ProtocolError, OSError):
            break
        if not r or not r["ok"]:
            break
        out["padded"] += 1
    return Drainer([pad])


def query_flood(a, deadline):
    """serve_query without reading the answers, after padding the list."""
    out = {}
    drainer = pad_group(a, out)
    flooder, why = try_hello(a.port, "query-flooder", a.group)
    if flooder is None:
        return {**out, "hello_refused": why}
    attacking()
    frame = wire.encode("serve_query", request_id=1)
    out["queries"], out["ended"] = flood(flooder, frame, 100, deadline, a.count or 100000)
    hold(deadline)
    drainer.stop()
    return out


def huge_headers(a, deadline):
    """Sessions that announce a 1 MiB frame, send a few bytes of it, and stall."""
    n = a.count or 300
    conns, refused = [], []
    head = wire.HEADER.pack(wire.MAX_PAYLOAD, wire.TYPES["serve_register"]) + b"\0" * 64
    for i in range(n):
        if stopped(deadline):
            break
        c, why = try_hello(a.port, f"hdr{i}", a.group, source=source_address(a, i))
        if c is None:
            refused.append(why)
            continue
        try:
            c.send_raw(head)
            conns.append(c)
        except OSError as e:
            refused.append(str(e))
    attacking()
    hold(deadline)
    return {"sessions": len(conns), "refused": len(refused), "why": refused[:3]}


def ping_flood(a, deadline):
    conn, why = try_hello(a.port, "ping-flooder", a.group)
    if conn is None:
        return {"hello_refused": why}
    attacking()
    frame = wire.encode("ping", request_id=7, timestamp=0)
    sent, ended = flood(conn, frame, 10000, deadline, a.count or 3_000_000)
    return {"pings": sent, "ended": ended}


def unserve_flood(a, deadline):
    """unserve_request to a vnet of ours that never reads."""
    victim, why = try_hello(a.port, "deaf", a.group)
    asker, why2 = try_hello(a.port, "asker", a.group)
    if victim is None or asker is None:
        return {"hello_refused": why if victim is None else why2}
    target = victim.welcome["vnetid"]
    attacking()
    frame = wire.encode("unserve_request", request_id=1, vnetid=target, ip="127.0.0.1", port=9)
    sent, ended = flood(asker, frame, 5000, deadline, a.count or 500_000)
    return {"requests": sent, "ended": ended}


def join_storm(a, deadline):
    """Many control sessions join one group; their pushes are drained (a
    legitimate vnet reads) and counted."""
    n = a.count or 2000
    conns, refused = [], []
    out = {}
    padder = pad_group(a, out)
    drainer = Drainer([])
    attacking()
    t0 = time.monotonic()
    for i in range(n):
        if stopped(deadline):
            break
        c, why = try_hello(a.port, f"storm{i}", a.group, source=source_address(a, i))
        if c is None:
            refused.append(why)
            continue
        conns.append(c)
        drainer.add(c)
    joined = time.monotonic() - t0
    hold(min(deadline, time.monotonic() + a.hold) if a.hold else deadline)
    drainer.stop()
    padder.stop()
    return {**out, "sessions": len(conns), "refused": len(refused), "why": refused[:3],
            "join_seconds": round(joined, 3), "bytes_received": drainer.bytes,
            "bytes_per_session": drainer.bytes // max(1, len(conns))}


def squat(a, deadline):
    """One session registers every static and dynamic serveid it can."""
    conn, why = try_hello(a.port, "squatter", a.group)
    if conn is None:
        return {"hello_refused": why}
    ok, refused, reasons, closed = 0, 0, [], False
    ids = list(range(500, 1000)) + [0] * 499
    t0 = time.monotonic()
    for i, sid in enumerate(ids[:a.count or len(ids)]):
        if stopped(deadline):
            break
        try:
            r = wire.register(conn, sid, name=f"s{i}", port=1, request_id=i + 1, timeout=5)
        except (wire.ProtocolError, OSError) as e:
            reasons.append(str(e))
            closed = True
            break
        if r is None:
            closed = True
            break
        if r["ok"]:
            ok += 1
        else:
            refused += 1
            if len(reasons) < 3:
                reasons.append(r["reason"])
    took = time.monotonic() - t0
    attacking()
    hold(deadline)
    return {"registered": ok, "refused": refused, "reasons": reasons, "closed": closed,
            "seconds": round(took, 3)}


def open_flood(a, deadline):
    """link_open to one serve, every link held open once paired."""
    conn, why = try_hello(a.port, "opener", a.group)
    if conn is None:
        return {"hello_refused": why}
    n = a.count or 500
    links, refusals, stock = [], [], []
    for _ in range(n):
        if stopped(deadline):
            break
        try:
            # One ticket per link; a session holds at most 64 unused, so
            # the next batch comes once the route has taken the last ones.
            while not stock and not stopped(deadline):
                stock = wire.take_tickets(conn, 64)
                if not stock:
                    time.sleep(0.01)  # pacing the asks, not waiting for a state
            if not stock:
                break
            s = socket.create_connection(("127.0.0.1", a.port), timeout=5)
            s.sendall(wire.link_open(stock.pop(), a.serveid))
            links.append(wire.Conn(a.port, sock=s))
        except (OSError, wire.ProtocolError) as e:
            refusals.append(str(e))
    paired = held = late = 0
    for c in links:  # the answers, bounded by one overall deadline
        try:
            m = c.recv(max(0.05, min(10.0, deadline - time.monotonic())))
        except TimeoutError:
            # Past the route's quotas, the serving vnet waits for the use
            # hello (this client sends none) before it answers (protocol 5).
            # Once the deadline has passed a link gets only 50 ms: unknown.
            if stopped(deadline):
                late += 1
            else:
                held += 1
            continue
        except (OSError, wire.ProtocolError) as e:
            refusals.append(f"{type(e).__name__}")
            continue
        if m is not None and m.name == "link_result" and m["ok"]:
            paired += 1
        elif m is not None:
            refusals.append(m.fields.get("reason") or m.fields.get("message", "")
                            if m.fields else m.name)
        else:
            refusals.append("closed")
    attacking()
    hold(deadline)
    distinct = sorted(set(refusals))
    return {"opened": len(links), "paired": paired, "held": held, "late": late, "refused": len(refusals),
            "reasons": distinct[:5]}


def idle_connections(a, deadline):
    """Connections that never send their opening frame, plus control sessions
    that ping once a second, as many as the route takes."""
    idle, sessions, failed = [], [], 0
    for i in range(a.count or 1100):
        if stopped(deadline):
            break
        try:
            s = socket.create_connection(("127.0.0.1", a.port), timeout=2)
            idle.append(s)
        except OSError:
            failed += 1
    for i in range(a.sessions):
        if stopped(deadline):
            break
        c, _ = try_hello(a.port, f"pinger{i}", a.group, timeout=2)
        if c is not None:
            sessions.append(c)
    attacking()
    drainer = Drainer(sessions)
    ping = wire.encode("ping", request_id=1, timestamp=0)
    while not stopped(deadline):
        for c in sessions:
            try:
                c.sock.sendall(ping)
            except OSError:
                pass
        STOP.wait(1.0)
    drainer.stop()
    still_open = sum(1 for s in idle if ended_by_route(wire.Conn(0, sock=s), 0.01) == "open")
    return {"idle": len(idle), "idle_still_open": still_open, "connect_failed": failed,
            "sessions": len(sessions)}


def portscan(a, deadline):
    """unserve probes of consecutive loopback ports through one victim."""
    conn, why = try_hello(a.port, "scanner", a.group)
    if conn is None:
        return {"hello_refused": why}
    conn.send("vnet_query", request_id=1)
    q = conn.recv_until("vnet_query_result", 5)
    target = next((v["vnetid"] for v in q["vnets"] if v["name"] == a.victim), None)
    if target is None:
        return {"error": f"no vnet named {a.victim!r}: {q['vnets']}"}
    attacking()
    n = a.count or 1019
    t0 = time.monotonic()
    answers = {"reached_vnet": 0, "refused_by_limit": 0, "other": 0}
    samples = []
    got = 0
    # One probe at a time: the victim's unserve_num counts probes in flight.
    for i in range(n):
        if stopped(deadline):
            break
        try:
            conn.send("unserve_request", request_id=i + 1, vnetid=target, ip="127.0.0.1",
                      port=a.first_port + i)
            m = conn.recv_until("unserve_result", max(0.05, deadline - time.monotonic()),
                                pred=lambda m, i=i: m["request_id"] == i + 1)
        except (socket.timeout, OSError, wire.ProtocolError):
            break
        if m is None:
            break
        got += 1
        reason = m["reason"]
        if "max_unserves_per_minute" in reason:
            answers["refused_by_limit"] += 1
        elif m["ok"] or "cannot reach" in reason:
            answers["reached_vnet"] += 1
        else:
            answers["other"] += 1
            if len(samples) < 3:
                samples.append(reason)
    return {"probes": n, "answers": got, **answers, "other_reasons": samples,
            "seconds": round(time.monotonic() - t0, 3)}


def forged_names(a, deadline):
    """Names, groups, infos and renames with a newline or ESC in them."""
    tries = {
        "hello_name": ("home\nFORGED: vnet 01 (home) disconnected", a.group),
        "hello_group": ("forger", "g\x1b[2J\x1b[31mFORGED"),
    }
    out = {}
    for key, (name, group) in tries.items():
        c, why = try_hello(a.port, name, group)
        out[key] = "welcomed" if c is not None else f"refused: {why}"
        if c is not None:
            c.close()
    c, why = try_hello(a.port, "forger", a.group)
    if c is not None:
        for key, serve in (("serve_name", ("x\nFORGED serve line", "")),
                           ("serve_info", ("okname", "\x1b]0;FORGED\x07"))):
            try:
                r = wire.register(c, 0, name=serve[0], info=serve[1], port=1, request_id=5, timeout=3)
                out[key] = "accepted" if r and r["ok"] else f"refused: {r and r['reason']}"
            except (wire.ProtocolError, OSError) as e:
                out[key] = f"refused: {e}"
                c.close()
                c, _ = try_hello(a.port, "forger", a.group)
                if c is None:
                    break
        if c is not None:
            try:
                c.send("vnet_rename", name="renamed\nFORGED rename line\x1b[0m")
                c.send("ping", request_id=1, timestamp=0)
                m = c.recv_until("pong", 3)
                out["rename"] = "accepted" if m is not None else "closed"
            except (wire.ProtocolError, OSError) as e:
                out["rename"] = f"refused: {e}"
    attacking()
    hold(deadline)
    return out


def standard_mix(serveid, victim, first_port):
    """(attack, budget seconds, args): every attack of the issue at a size that
    lasts a few seconds, against `serveid` served by the vnet named `victim`
    (which allows unserve); first_port starts 200 closed ports. Used by
    scripts/soak.py and scripts/bench.py --attacks."""
    return [
        ("list_overflow", 3, ["--serveid", serveid]),
        ("query_flood", 6, ["--count", 3000, "--pad", 30]),
        ("huge_headers", 6, ["--count", 300, "--group", "evil", "--sources", 10]),
        ("ping_flood", 6, ["--count", 3_000_000, "--group", "evil"]),
        ("unserve_flood", 6, ["--count", 500_000, "--group", "evil"]),
        ("join_storm", 20, ["--count", 1000, "--sources", 40, "--hold", 2, "--pad", 10]),
        ("squat", 6, ["--count", 300]),
        ("open_flood", 6, ["--count", 300, "--serveid", serveid]),
        ("idle_connections", 8, ["--count", 300, "--sessions", 100]),
        ("portscan", 6, ["--count", 200, "--victim", victim, "--first-port", first_port]),
        ("forged_names", 3, []),
    ]


ATTACKS = {f.__name__: f for f in (list_overflow, query_flood, huge_headers, ping_flood,
                                   unserve_flood, join_storm, squat, open_flood,
                                   idle_connections, portscan, forged_names)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("attack", choices=sorted(ATTACKS))
    ap.add_argument("--port", type=int, required=True, help="the route's port")
    ap.add_argument("--group", default="default")
    ap.add_argument("--seconds", type=float, default=5.0, help="time budget")
    ap.add_argument("--count", type=int, default=0, help="how many (0: the issue's figure)")
    ap.add_argument("--serveid", type=int, default=0, help="the serve to target or squat")
    ap.add_argument("--pad", type=int, default=0,
                    help="query_flood, join_storm: serves padding the group's list")
    ap.add_argument("--sessions", type=int, default=0, help="idle_connections: pinging sessions")
    ap.add_argument("--sources", type=int, default=0,
                    help="spread sessions over this many 127.0.x.y source addresses")
    ap.add_argument("--hold", type=float, default=0,
                    help="join_storm: seconds to hold the sessions after joining (0: the budget)")
    ap.add_argument("--victim", default="home", help="portscan: name of the vnet to probe through")
    ap.add_argument("--first-port", type=int, default=1)
    a = ap.parse_args(argv)
    raise_fd_limit()

    def watch_stdin():
        sys.stdin.read()  # EOF: the parent wants us gone
        STOP.set()

    if stat.S_ISFIFO(os.fstat(0).st_mode):  # started by a test, not by hand
        threading.Thread(target=watch_stdin, daemon=True).start()
    deadline = time.monotonic() + a.seconds
    result = ATTACKS[a.attack](a, deadline)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
