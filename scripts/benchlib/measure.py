"""The default mode: throughput to the sink, 32-byte echo round trips and
setups, directly and through the tunnel (and the other build, the floor
relays and haproxy), in alternating rounds; CPU seconds per GiB moved; the
table of figures."""

import os
import statistics

from . import udp
from .common import CHUNK, MIB, MSG, EchoClient, percentile, setup_time, throughput, throughput_streams
from .procs import CpuMeter


def measure(stack, args, other=None):
    nbytes = args.mb * MIB
    payload = memoryview(os.urandom(CHUNK))
    modes = {"direct": (stack.sink_port, stack.echo_port),
             "tunnel": (stack.use_sink, stack.use_echo)}
    if other:
        modes["other"] = (other.use_sink, other.use_echo)
    if getattr(stack, "floor_echo", None):
        modes["floor"] = (stack.floor_sink, stack.floor_echo)
    if getattr(stack, "haproxy_echo", None):
        modes["haproxy"] = (stack.haproxy_sink, stack.haproxy_echo)
    names = list(modes)
    counts = args.streams  # e.g. [1, 4]: each measured in the same rounds
    processes = {m: p for m, p in cpu_processes(stack, other).items() if m in modes}
    meters = {(m, n): CpuMeter(procs) for m, procs in processes.items() for n in counts}

    def rotation(i):
        k = i % len(names)
        return names[k:] + names[:k]

    # (a) throughput: warm up both paths, then alternate the order each round
    # (and, within a mode, each stream count in turn).
    warm = min(nbytes, 64 * MIB)
    for sink, _ in modes.values():
        throughput(sink, warm, payload)
    runs = {(m, n): [] for m in names for n in counts}
    stacks = {"tunnel": stack, "other": other}
    waits_before = {m: s.link_waits() for m, s in stacks.items() if m in modes}
    for r in range(args.rounds):
        for mode in rotation(r):
            for n in counts:
                meter = meters.get((mode, n))
                if meter:
                    meter.start()
                runs[mode, n].append(throughput_streams(modes[mode][0], nbytes, payload, n))
                if meter:
                    meter.stop()
    gib = nbytes * args.rounds / (1 << 30)
    # The waits are counted over every stream count's runs.
    waits = {m: link_waits_per_gib(waits_before[m], stacks[m].link_waits(), gib * len(counts))
             for m in waits_before}
    cpu_by = {n: {m: {name: used / gib for name, used in meters[m, n].used.items()} for m in processes}
              for n in counts}
    kernel_by = {n: {m: {name: k / gib for name, k in meters[m, n].kernel.items()} for m in processes}
                 for n in counts}
    mbps = {(m, n): statistics.median(v) for (m, n), v in runs.items()}
    first = counts[0]
    direct_mbps, tunnel_mbps = mbps["direct", first], mbps["tunnel", first]

    # (b) latency: one connection per mode, warmed up, measured in
    # alternating blocks.
    clients = {mode: EchoClient(ports[1]) for mode, ports in modes.items()}
    samples = {m: [] for m in names}
    try:
        for c in clients.values():
            c.round_trips(min(1000, max(args.rtt // 10, 10)), [])
        block = max(1, min(1000, args.rtt // 10))
        done = 0
        while done < args.rtt:
            n = min(block, args.rtt - done)
            for mode in rotation(done // block):
                clients[mode].round_trips(n, samples[mode])
            done += n
    finally:
        for c in clients.values():
            c.close()

    # (c) setup: a new connection through each path, alternating.
    setups = {m: [] for m in names}
    for i in range(args.setups):
        for mode in rotation(i):
            setups[mode].append(setup_time(modes[mode][1]))
    setup = {}
    for mode, values in setups.items():
        values.sort()
        setup[mode] = {"median_us": statistics.median(values) * 1e6,
                       "p99_us": percentile(values, 99) * 1e6}

    # (d) UDP: round trips and a stream, direct and through the tunnel.
    udp_rows = {}
    if getattr(stack, "use_uecho", None):
        udp_rows = {"udp": udp.measure_udp({"direct": stack.uecho_port, "tunnel": stack.use_uecho}, args.rtt,
                                           args.udp_datagrams, lambda i: ["direct", "tunnel"][i % 2:] +
                                           ["direct", "tunnel"][:i % 2])}

    lat = {}
    for mode, values in samples.items():
        values.sort()
        lat[mode] = {"median_us": statistics.median(values) / 1000,
                     "p99_us": percentile(values, 99) / 1000,
                     "min_us": values[0] / 1000}

    floor = {}
    for ref in ("floor", "haproxy"):
        if ref in modes:
            floor[ref] = {"MBps": mbps[ref, first], "echo": lat[ref],
                          "setup": setup[ref],
                          "added_median_us": lat[ref]["median_us"] - lat["direct"]["median_us"]}
    compared = {}
    if "other" in modes:
        compared = {"other": {"bin_dir": other.label,
                              "env": list(args.compare_env),
                              "MBps": mbps["other", first],
                              "echo": lat["other"], "setup": setup["other"]}}
    return {
        **floor,
        **compared,
        **udp_rows,
        "setup": setup,
        "cpu_s_per_GiB": cpu_by[first],
        "link_waits_per_GiB": {m: w for m, w in waits.items() if w},
        "cpus": os.cpu_count(),
        "throughput": {
            "mib_per_run": args.mb, "rounds": args.rounds, "streams": first,
            "direct_MBps": direct_mbps, "tunnel_MBps": tunnel_mbps,
            "ratio": tunnel_mbps / direct_mbps,
            "runs_MBps": {m: runs[m, first] for m in names},
            # Every stream count of --streams, measured in the same rounds.
            "by_streams": [{"streams": n, "MBps": {m: mbps[m, n] for m in names},
                            "runs_MBps": {m: runs[m, n] for m in names}, "cpu_s_per_GiB": cpu_by[n],
                            "kernel_s_per_GiB": kernel_by[n]}
                           for n in counts],
        },
        "echo": {
            "message_bytes": MSG, "round_trips": args.rtt,
            "direct": lat["direct"], "tunnel": lat["tunnel"],
            "added_median_us": lat["tunnel"]["median_us"] - lat["direct"]["median_us"],
            "added_p99_us": lat["tunnel"]["p99_us"] - lat["direct"]["p99_us"],
        },
    }


def link_waits_per_gib(before, after, gib):
    """Per vnet (serve = vnet A, use = vnet B), its links' waits for reading
    and for room to write during the throughput runs, per GiB moved."""
    names = {"vnet-a": "serve vnet", "vnet-b": "use vnet"}
    return {names[v]: {k: (after[v][k] - before.get(v, {}).get(k, 0)) / gib for k in after[v]}
            for v in after if v in names}


def cpu_processes(stack, other=None):
    """Per mode, the processes whose CPU time a bulk transfer costs."""
    def tunnel(s):
        return {"route": s.pid("route"), "use vnet": s.pid("vnet-b"),
                "serve vnet": s.pid("vnet-a")}

    def chain(name):  # hop 2 is the client's end, like the use vnet
        return {f"{label} hop": stack.pid(f"{name}-sink-{i}")
                for i, label in ((2, "use-side"), (1, "middle"), (0, "serve-side"))
                if stack.pid(f"{name}-sink-{i}")}
    procs = {"tunnel": tunnel(stack), "floor": chain("floor"), "haproxy": chain("haproxy")}
    if other:
        procs["other"] = tunnel(other)
    return {m: p for m, p in procs.items() if p}


def print_cpu(r):
    print()
    print("CPU seconds per GiB moved, per process (utime + stime from /proc/PID/stat "
          "around the throughput runs; in brackets stime, the kernel's part):")
    by = r["throughput"]["by_streams"]
    for row in by:
        indent = "    " if len(by) > 1 else "  "
        if len(by) > 1:
            print(f"  {streams_label(row['streams'])}:")
        for mode, per in row["cpu_s_per_GiB"].items():
            kernel = row["kernel_s_per_GiB"][mode]
            figures = ", ".join(f"{name} {value:.2f} ({kernel[name]:.2f})" for name, value in per.items())
            print(f"{indent}{mode:8} {figures}")


def streams_label(n):
    return f"{n} stream{'s' if n > 1 else ''}"


def print_table(r):
    t, e = r["throughput"], r["echo"]
    print(f"vnet bench: route + 2 vnets on 127.0.0.1, {r['cpus']} CPUs "
          f"(MB = 2^20 bytes)")
    print()
    print(f"{'':34}{'direct':>12}{'tunnel':>12}{'tunnel vs direct':>20}")
    for row in t["by_streams"]:
        label = f"throughput, {streams_label(row['streams'])} (MB/s)"
        direct, tunnel = row["MBps"]["direct"], row["MBps"]["tunnel"]
        print(f"{label:34}{direct:12.0f}{tunnel:12.0f}{'x ' + format(tunnel / direct, '.2f'):>20}")
    print(f"{'echo 32 B round trip, median (us)':34}{e['direct']['median_us']:12.1f}"
          f"{e['tunnel']['median_us']:12.1f}{format(e['added_median_us'], '+.1f'):>20}")
    print(f"{'echo 32 B round trip, p99 (us)':34}{e['direct']['p99_us']:12.1f}"
          f"{e['tunnel']['p99_us']:12.1f}{format(e['added_p99_us'], '+.1f'):>20}")
    su = r["setup"]
    print(f"{'setup (connect + echo), median (us)':34}{su['direct']['median_us']:12.1f}"
          f"{su['tunnel']['median_us']:12.1f}"
          f"{format(su['tunnel']['median_us'] - su['direct']['median_us'], '+.1f'):>20}")
    print(f"{'setup (connect + echo), p99 (us)':34}{su['direct']['p99_us']:12.1f}"
          f"{su['tunnel']['p99_us']:12.1f}"
          f"{format(su['tunnel']['p99_us'] - su['direct']['p99_us'], '+.1f'):>20}")
    if "udp" in r:
        udp.print_rows(r["udp"])
    if "other" in r:
        o = r["other"]
        print()
        env = " with " + " ".join(o["env"]) if o.get("env") else ""
        print(f"other ({o['bin_dir']}{env}), same rounds: throughput {o['MBps']:.0f} MB/s "
              f"(this build x {t['tunnel_MBps'] / o['MBps']:.2f}); echo median "
              f"{o['echo']['median_us']:.1f} us (this build "
              f"{format(e['tunnel']['median_us'] - o['echo']['median_us'], '+.1f')}); setup median "
              f"{o['setup']['median_us']:.1f} us (this build "
              f"{format(su['tunnel']['median_us'] - o['setup']['median_us'], '+.1f')})")
    print()
    print(f"throughput: {t['rounds']} alternating runs of {t['mib_per_run']} MB each per stream count "
          f"(median shown), MB/s:")
    for row in t["by_streams"]:
        runs = ", ".join(f"{m} " + " ".join(f"{v:.0f}" for v in vals) for m, vals in row["runs_MBps"].items())
        print(f"  {streams_label(row['streams'])}: {runs}")
    print(f"echo: {e['round_trips']} round trips per mode in alternating blocks, "
          f"TCP_NODELAY on the client")
    if "udp" in r:
        u = r["udp"]
        print(f"UDP: {u['round_trips']} round trips per mode in alternating blocks; 3 alternating streams of "
              f"{u['stream_datagrams']} datagrams each sent flat out (median shown), lost = not echoed within 1 s")
    if "floor" in r:
        f = r["floor"]
        print()
        print("floor: the same path through 3 minimal relays (blocking, a thread per direction,")
        print("no protocol) measured in the same rounds, i.e. what 3 hops cost on this machine:")
        print(f"  throughput {f['MBps']:.0f} MB/s; echo median {f['echo']['median_us']:.1f} us "
              f"({format(f['added_median_us'], '+.1f')} over direct); "
              f"tunnel vs floor: added latency "
              f"{format(e['added_median_us'] - f['added_median_us'], '+.1f')} us, "
              f"throughput x {t['tunnel_MBps'] / f['MBps']:.2f}")
    if "haproxy" in r:
        h = r["haproxy"]
        print()
        print("haproxy: the same path through 3 haproxy instances (TCP mode, 1 thread each),")
        print("measured in the same rounds, the reference relay:")
        print(f"  throughput {h['MBps']:.0f} MB/s; echo median {h['echo']['median_us']:.1f} us "
              f"({format(h['added_median_us'], '+.1f')} over direct); setup median "
              f"{h['setup']['median_us']:.1f} us; tunnel vs haproxy: echo "
              f"{format(e['tunnel']['median_us'] - h['echo']['median_us'], '+.1f')} us, setup "
              f"{format(su['tunnel']['median_us'] - h['setup']['median_us'], '+.1f')} us, "
              f"throughput x {t['tunnel_MBps'] / h['MBps']:.2f}")
    elif "haproxy_missing" in r:
        print()
        print(f"haproxy: skipped, {r['haproxy_missing']}")
    if r.get("cpu_s_per_GiB"):
        print_cpu(r)
    if r.get("link_waits_per_GiB"):
        print()
        print("link waits per GiB moved during the throughput runs (vnet_link_waits_total: "
              "for readable data / for room in a full peer):")
        for mode, per in r["link_waits_per_GiB"].items():
            figures = ", ".join(f"{name} {w.get('read', 0):.0f} / {w.get('write', 0):.0f}"
                                for name, w in per.items())
            print(f"  {mode:8} {figures}")
    print_targets(r)


def targets(r):
    """Issue 23's targets that this run measures: (what, tunnel, reference,
    target, met). The reference is haproxy's figure of the same run."""
    t, su, rows = r["throughput"], r["setup"], []
    h = r.get("haproxy")
    by = t["by_streams"]
    for row in by if h else []:
        tunnel, ref = row["MBps"]["tunnel"], row["MBps"]["haproxy"]
        rows.append((f"throughput, {streams_label(row['streams'])}, MB/s", tunnel, ref,
                     ">= 1.3 x haproxy", tunnel >= 1.3 * ref))
    for row in by[1:]:  # more streams carry at least what the first count does
        tunnel, base = row["MBps"]["tunnel"], by[0]["MBps"]["tunnel"]
        rows.append((f"{streams_label(row['streams'])} vs {streams_label(by[0]['streams'])}, MB/s", tunnel,
                     None, f">= {base:.0f}, x 1", tunnel >= base))
    if h:
        rows.append(("connect + first echo p50, us", su["tunnel"]["median_us"], h["setup"]["median_us"],
                     "<= 1.5 x haproxy", su["tunnel"]["median_us"] <= 1.5 * h["setup"]["median_us"]))
    cpu = r.get("cpu_s_per_GiB", {}).get("tunnel", {})
    for name, bound in (("use vnet", 0.35), ("serve vnet", 0.35), ("route", 0.3)):
        if name in cpu:
            rows.append((f"CPU s per GiB, {name}", cpu[name], None, f"<= {bound}", cpu[name] <= bound))
    return rows


def print_targets(r):
    rows = targets(r)
    if not rows:
        return
    print()
    print("targets (issue 23), this run:")
    print(f"  {'':38}{'tunnel':>10}{'haproxy':>10}  {'target':18}met")
    for what, value, ref, goal, met in rows:
        ref_text = f"{ref:10.1f}" if ref is not None else f"{'':10}"
        value_text = f"{value:10.2f}" if value < 100 else f"{value:10.0f}"
        print(f"  {what:38}{value_text}{ref_text}  {goal:18}{'yes' if met else 'NO'}")
