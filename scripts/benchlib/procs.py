"""What scripts/bench.py reads about processes and the kernel, from /proc
(Python stdlib only): CPU time, resident memory, open descriptors and their
limit, and the TCP counters `nstat -az` shows."""

import os
import resource

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds (0 once it is gone)."""
    return sum(cpu_split(pid))


def cpu_split(pid):
    """(utime, stime) of a process, in seconds ((0, 0) once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The command name may hold spaces: count fields after its ')'.
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / TICK, int(fields[12]) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0


def self_cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_bytes(pid):
    """VmRSS of a process, in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def fd_soft_limit(pid):
    """The 'Max open files' soft limit a process runs with (None: unknown)."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
    except (OSError, ValueError, IndexError):
        pass
    return None


def raise_own_fd_limit():
    """Raises this process's soft RLIMIT_NOFILE to the hard limit; returns
    the soft limit it had, for children that must not inherit the raise."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return soft


TCP_COUNTERS = ("TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPSynRetrans",
                "TcpExtSyncookiesSent", "TcpRetransSegs", "TcpExtTCPTimeouts")


def tcp_counters():
    """The kernel's TCP counters of this network namespace (the same figures
    as `nstat -az`; they count every process of the machine, not only ours)."""
    values = {}
    for path in ("/proc/net/netstat", "/proc/net/snmp"):
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for head, vals in zip(lines[::2], lines[1::2]):
            prefix, names = head.split(":", 1)
            numbers = vals.split(":", 1)[1].split()
            for name, value in zip(names.split(), numbers):
                values[prefix + name] = int(value)
    return {k: values.get(k, 0) for k in TCP_COUNTERS}


def counters_delta(before, after):
    return {k: after[k] - before[k] for k in before}


class CpuMeter:
    """CPU seconds of named processes between start() and stop(): in all
    (used), and the part spent in the kernel (kernel: stime)."""

    def __init__(self, pids):
        self.pids = dict(pids)  # name -> pid
        self.used = {name: 0.0 for name in self.pids}
        self.kernel = {name: 0.0 for name in self.pids}

    def start(self):
        self.t0 = {name: cpu_split(pid) for name, pid in self.pids.items()}

    def stop(self):
        for name, pid in self.pids.items():
            user, system = cpu_split(pid)
            self.used[name] += user + system - sum(self.t0[name])
            self.kernel[name] += system - self.t0[name][1]
