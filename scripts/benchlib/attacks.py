"""bench.py --attacks: the setup time of a legitimate tunnel connection with
no attack and during each attack of issue 8 (tests/blackbox/attacks.py,
each in a process of its own)."""

import json
import os
import sys
import time

from .common import REPO, echo_ok, percentile, setup_time
from .stack import Stack


def setups_while(port, running, most, spacing):
    """Setup times (and failures) while running(), one every `spacing`
    seconds at most, so that they spread over the whole attack."""
    times, failed = [], 0
    while running() and len(times) + failed < most:
        t0 = time.monotonic()
        try:
            times.append(setup_time(port))
        except (OSError, EOFError):
            failed += 1
        time.sleep(max(0.0, spacing - (time.monotonic() - t0)))
    return times, failed


def bench_attacks(args):
    sys.path.insert(0, os.path.join(REPO, "tests", "blackbox"))
    from attack_case import Attack, closed_port_range  # noqa: E402
    from attacks import standard_mix  # noqa: E402

    stack = Stack(os.path.abspath(args.bin_dir), args.log_level,
                  vnet_a_keys="allow_unserve=true\n")
    rows = []
    try:
        stack.start()
        route_port = stack.route_port
        port = stack.use_echo
        for _ in range(20):  # warm-up
            setup_time(port)
        times, failed = setups_while(port, lambda: True, args.setups, args.spacing_ms / 1000)
        rows.append(("none", times, failed, ""))
        for name, seconds, extra in standard_mix(802, "bench-a", closed_port_range(200)):
            a = Attack(stack.dir, name, route_port, seconds, *extra)
            try:
                a.wait_attacking(60)
                times, failed = setups_while(port, a.running, args.setups, args.spacing_ms / 1000)
                result = a.finish(90)
            finally:
                a.kill()
            rows.append((name, times, failed, json.dumps(result)[:200]))
            # The next attack starts from a working tunnel.
            stack.wait("the tunnel after " + name, lambda: echo_ok(port), 30)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()

    table = []
    for name, times, failed, result in rows:
        times.sort()
        table.append({"attack": name, "setups": len(times), "failed": failed,
                      "p50_ms": percentile(times, 50) * 1000, "p99_ms": percentile(times, 99) * 1000,
                      "max_ms": (times[-1] * 1000) if times else float("nan"), "result": result})
    if args.json:
        print(json.dumps({"cpus": os.cpu_count(), "setup_under_attack": table}, indent=2))
        return 0
    print(f"vnet bench --attacks: tunnel setup (connect + first echoed byte) on 127.0.0.1, "
          f"{os.cpu_count()} CPUs, at most {args.setups} setups per attack")
    print()
    print(f"{'attack':18}{'setups':>8}{'failed':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for r in table:
        figures = "".join(f"{r[k]:10.2f}" if r["setups"] else f"{'-':>10}"
                          for k in ("p50_ms", "p99_ms", "max_ms"))
        print(f"{r['attack']:18}{r['setups']:8}{r['failed']:8}{figures}")
    print()
    print(f"One setup every {args.spacing_ms:g} ms at most, from the moment each attack is in full "
          "swing until it ends;")
    print("'-': the attack was over before the first setup (e.g. a port scan refused at once).")
    return 0
