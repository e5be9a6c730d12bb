"""bench.py --wan-ms D: connect + first echo across an emulated WAN (a
delay relay, tests/bench/delay_relay.cpp, between each vnet and the route),
p50/p90 against the 4*D floor, beside the floor relays and haproxy through
delay relays of their own with the same delay."""

import statistics

from .common import EchoClient, percentile, setup_time


def wan(stack, args, floor_relay, haproxy):
    d = stack.wan_ms
    paths = {"tunnel": stack.use_echo}
    if floor_relay:
        paths["floor relays"] = stack.chain("wan-floor", stack.echo_port,
                                            stack.floor_hop(floor_relay), delayed=True)
    if haproxy:
        paths["haproxy 3-hop"] = stack.chain("wan-haproxy", stack.echo_port,
                                             stack.haproxy_hop(haproxy), delayed=True)
    # One delay relay alone in front of the echo service: its setup must be
    # 4*D and its round trip 2*D; what it takes more is the relay's own cost.
    paths["one delay relay"] = stack.delay_hop("delay-probe", stack.echo_port)
    for name, port in paths.items():
        stack.wait(f"an echo through {name}", lambda: try_setup(port, 10) is not None, 30)
        for _ in range(3):  # warm-up
            try_setup(port, 10)

    names = list(paths)
    times = {n: [] for n in names}
    failed = {n: 0 for n in names}
    for i in range(args.wan_setups):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            t = try_setup(paths[name], 10)
            if t is None:
                failed[name] += 1
            else:
                times[name].append(t)

    echo = {name: echo_p50(port, 20) for name, port in paths.items()}
    direct = echo_p50(stack.echo_port, 200)
    floor_s = 4 * d / 1000
    out = {"delay_ms": d, "floor_ms": 4 * d, "setups": args.wan_setups,
           "relay_overhead_us_per_crossing":
               (echo["one delay relay"] - 2 * d / 1000 - direct) / 2 * 1e6,
           "paths": {}}
    for name in names:
        v = sorted(times[name])
        p50, p90 = percentile(v, 50), percentile(v, 90)
        out["paths"][name] = {"setup_p50_ms": p50 * 1000, "setup_p90_ms": p90 * 1000,
                              "p50_x_floor": p50 / floor_s, "p90_x_floor": p90 / floor_s,
                              "failed": failed[name], "echo_p50_ms": echo[name] * 1000}
    return out


def try_setup(port, timeout):
    try:
        return setup_time(port, timeout)
    except (OSError, EOFError):
        return None


def echo_p50(port, k):
    """Median round trip of 32 bytes on an established connection, seconds."""
    c = EchoClient(port)
    try:
        c.sock.settimeout(10)
        c.round_trips(2, [])
        samples = []
        c.round_trips(k, samples)
    finally:
        c.close()
    return statistics.median(samples) / 1e9


def print_wan(w):
    d = w["delay_ms"]
    print()
    print(f"WAN: a delay relay of {d:g} ms each way between each vnet and the route (a new "
          f"connection's bytes held {2 * d:g} ms more: its TCP handshake); the delay relay "
          f"costs {w['relay_overhead_us_per_crossing']:.0f} us per crossing")
    print(f"connect + first echo, {w['setups']} per path, alternating; floor = 4 x D = "
          f"{w['floor_ms']:g} ms")
    print()
    print(f"{'path':20}{'p50 ms':>9}{'p90 ms':>9}{'p50/floor':>11}{'p90/floor':>11}"
          f"{'failed':>8}{'echo p50 ms':>13}")
    for name, p in w["paths"].items():
        print(f"{name:20}{p['setup_p50_ms']:9.1f}{p['setup_p90_ms']:9.1f}"
              f"{p['p50_x_floor']:11.2f}{p['p90_x_floor']:11.2f}{p['failed']:8}"
              f"{p['echo_p50_ms']:13.1f}")
    print()
    print("echo p50: a 32-byte round trip on an established connection (4 x D through the "
          "tunnel at best).")
    print("The floor and haproxy chains open a fresh TCP connection on each delayed hop "
          "(two handshakes);")
    print(f"'one delay relay' alone must show {4 * d:g} ms setup and {2 * d:g} ms echo.")
