"""The Windows build (build-windows/, scripts/build-windows.sh) run under Wine
for the black-box tests: where the .exe files are, one Wine prefix for the
test run, and starting vnet.exe / vnet-route.exe as harness daemons.

Without the build or Wine the tests are skipped, except in CI (CI set): there
a suite that skips the Windows tests would pass without testing them, so it
fails instead. VNET_SKIP_WINDOWS=1 is the one explicit way to leave them out
(scripts/test.sh sets it when told not to build for Windows)."""

import fcntl
import os
import shutil
import subprocess
import unittest

import harness
from harness import Daemon, ini_text, vnet_config_text

WINDOWS_DIR = os.environ.get("VNET_WINDOWS_DIR") or os.path.join(harness.REPO, "build-windows")
VNET_EXE = os.path.join(WINDOWS_DIR, "vnet.exe")
ROUTE_EXE = os.path.join(WINDOWS_DIR, "vnet-route.exe")
WINE = shutil.which("wine64") or shutil.which("wine")
# One prefix for every Wine process of a run, kept in the build folder: a
# fresh prefix costs seconds and ~700 MB. A vnet.exe and its `vnet ctl`
# client must share it anyway (named pipes exist within one wineserver).
PREFIX = os.environ.get("VNET_WINEPREFIX") or os.path.join(WINDOWS_DIR, "wine-prefix")


def require_build():
    """Skips the calling module when the Windows build or Wine is missing; in
    CI that is a failure, unless VNET_SKIP_WINDOWS=1 says so explicitly."""
    missing = [what for what, ok in ((VNET_EXE, os.path.exists(VNET_EXE)),
                                     (ROUTE_EXE, os.path.exists(ROUTE_EXE)),
                                     ("wine", WINE)) if not ok]
    if not missing:
        return
    why = f"no {', '.join(missing)}: scripts/build-windows.sh builds them"
    if os.environ.get("VNET_SKIP_WINDOWS") == "1" or not os.environ.get("CI"):
        raise unittest.SkipTest(why)
    raise AssertionError(f"CI runs the Windows tests, but {why} (VNET_SKIP_WINDOWS=1 leaves them out)")


def env():
    """The environment of a Wine process: the run's prefix, no debug noise,
    and no offer to install Mono or Gecko into a new prefix."""
    return dict(os.environ, WINEPREFIX=PREFIX, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")


def prepare_prefix():
    """Creates the prefix once (under a lock: test files run in parallel)."""
    os.environ.update(WINEPREFIX=PREFIX, WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    os.makedirs(os.path.dirname(PREFIX), exist_ok=True)
    with open(PREFIX + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run([WINE, VNET_EXE, "--version"], env=env(), capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise AssertionError(f"vnet.exe --version under Wine exited {r.returncode}: {r.stdout}{r.stderr}")


def run(exe, *args, cwd=None, timeout=120):
    """Runs a Windows program to its end: (exit status, stdout, stderr)."""
    r = subprocess.run([WINE, exe, *args], cwd=cwd, env=env(), capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def start(cluster, exe, name, config_path):
    """Starts a Windows daemon as a harness Daemon of `cluster`."""
    log = os.path.join(cluster.dir, f"wine-{name}.log")
    d = Daemon(name, [WINE, exe, "--log-level", "debug", config_path], log, cluster.dir)
    cluster.daemons.append(d)
    return d


def start_vnet(cluster, name, route_port, serves=None, uses=None):
    """vnet.exe with a config beside it in the test's folder."""
    text = vnet_config_text(name, route_port, serves=serves, uses=uses, terminal=False)
    return start(cluster, VNET_EXE, name, cluster.write(f"{name}.ini", text))


def start_route(cluster, name="route"):
    """vnet-route.exe on 127.0.0.1 (the OS picks the port): (daemon, port)."""
    cfg = cluster.write(f"{name}.ini", ini_text({"route": {"ip": harness.LOOPBACK, "port": 0}}))
    d = start(cluster, ROUTE_EXE, name, cfg)
    m = d.wait_log(harness.ROUTE_LISTENING, timeout=60)
    return d, int(m.group(2))
