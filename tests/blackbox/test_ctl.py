"""`vnet ctl` and `vnet-route ctl`: commands for a running daemon over its
unix control socket. The same commands and text as the terminal, an exit
status per outcome, a socket only its owner may use, and clients that
misbehave end only themselves."""

import collections
import os
import signal
import re
import socket
import stat
import subprocess
import time

import harness
from harness import EchoService, LOOPBACK, binary, free_port, ini_text, vnet_config_text, wait_for
from vnet_terminal import CONNECTED, TerminalCase, hold_connection


# A byte count as text::human_bytes writes it.
BYTES = r"\d+(?:\.\d+)? (?:bytes|KiB|MiB|GiB)"


def ctl(line, config=None, path=None, program="vnet", timeout=60):
    """Runs `PROGRAM ctl [--config FILE | --ctl PATH] WORDS...`; returns
    (exit status, stdout, stderr)."""
    argv = [binary(program), "ctl"]
    if path:
        argv += ["--ctl", path]
    if config:
        argv += ["--config", config]
    argv += line.split() if isinstance(line, str) else list(line)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def lines_of(text):
    return [l.rstrip() for l in text.splitlines() if l.strip()]


def contiguous_in(part, whole):
    """True when the lines of `part` appear, in order and together, in `whole`."""
    p, w = lines_of(part), lines_of(whole)
    return bool(p) and any(w[i:i + len(p)] == p for i in range(len(w) - len(p) + 1))


class CtlCase(TerminalCase):
    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.route_cfg = os.path.join(self.c.dir, "route.ini")

    def vnet(self, name, **kw):
        """A terminal=false vnet from a file; returns (daemon, config, vnetid)."""
        d = self.c.start_vnet(name, self.route_port, **kw)
        vnetid = d.wait_log(CONNECTED, 15).group(1)
        return d, os.path.join(self.c.dir, f"{name}.ini"), vnetid

    def ok(self, line, config=None, **kw):
        rc, out, err = ctl(line, config=config, **kw)
        self.assertEqual(rc, 0, f"ctl {line!r} failed ({rc}):\n{out}{err}")
        return out


class VnetCtlTest(CtlCase):
    def test_show_is_the_terminals_text(self):
        svc = self.c.service(EchoService())
        self.vnet("other", serves={"db": {"serveid": 720, "port": svc.port, "info": "db box"}})
        t, cfg = self.terminal("term", self.route_port,
                               serves={"web": {"serveid": 710, "port": svc.port}},
                               uses={"db": {"serveid": 720, "port": free_port()}})
        for line in ("show serves", "show serve", "show use", "show vnets", "help", "help unserve"):
            out = self.ok(line, cfg)
            self.assertTrue(contiguous_in(out, t.command(line)),
                            f"ctl {line!r} differs from the terminal's:\n{out}\n---\n{t.command(line)}")
        self.assertIn("db box", self.ok("show serves", cfg))
        # A value with spaces reaches the command as one value.
        self.ok(["serve", "new", "spaced", f"port={svc.port}", "info=two words"], cfg)
        self.ok("serve open spaced", cfg)
        self.assertIn("two words", self.poll_command(t, "show serves", lambda o: "two words" in o and o))

    def test_ctrl_c_in_the_terminal_cancels_its_own_wait_only(self):
        t, cfg = self.terminal("term", self.route_port, log_level="debug")
        os.kill(self.route.pid, signal.SIGSTOP)  # nothing is answered meanwhile
        self.addCleanup(lambda: self.route.alive() and os.kill(self.route.pid, signal.SIGCONT))
        waiting = subprocess.Popen([binary("vnet"), "ctl", "--config", cfg, "ping"], text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: waiting.poll() is None and waiting.kill())
        t.expect(r"ctl: ping", 10)  # the ctl ping waits on the route
        t.send_line("ping")
        t.expect(r"ping[ \t]*\n")
        t.ctrl_c()
        t.expect(r"(?m)^cancelled\s*$", 5)
        os.kill(self.route.pid, signal.SIGCONT)
        out, err = waiting.communicate(timeout=30)
        self.assertEqual(waiting.returncode, 0, err)
        self.assertRegex(out, r"^route 127\.0\.0\.1:\d+ answered in [0-9.]+ ms\n$")

    def test_exit_status_and_messages(self):
        _, cfg, _ = self.vnet("a")
        rc, out, err = ctl("nosuch", cfg)
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("error: no command 'nosuch'\nusage: help | show", err)
        rc, _, err = ctl("unserve", cfg)  # ctl asks nothing: a required field missing
        self.assertEqual(rc, 2)
        self.assertIn("error: vnetid is required (ctl asks no questions: give it on the line)", err)
        rc, _, err = ctl("use open nosuch", cfg)  # well formed, failed
        self.assertEqual(rc, 1)
        self.assertIn("error: no use 'nosuch'", err)
        rc, _, err = ctl("exit", cfg)
        self.assertEqual(rc, 2)
        self.assertIn("exit ends the interactive terminal only", err)
        rc, _, err = ctl("unserve vnetid=99 port=22", cfg)  # the route's refusal
        self.assertEqual(rc, 1, err)
        self.assertRegex(self.ok("ping", cfg), r"^route 127\.0\.0\.1:\d+ answered in [0-9.]+ ms\n$")
        # No daemon at the path: 3, saying so.
        nowhere = os.path.join(self.c.dir, "nowhere.ctl")
        rc, out, err = ctl("show serve", path=nowhere)
        self.assertEqual((rc, out), (3, ""))
        self.assertEqual(err, f"no vnet is running at {nowhere} (connect: No such file or directory)\n")
        rc, _, err = ctl([], cfg)
        self.assertEqual(rc, 2)
        self.assertIn("which command?", err)

    def test_unserve_through_ctl_carries_bytes(self):
        svc = self.c.service(EchoService())  # registered nowhere: A serves it on request
        _, _, aid = self.vnet("A", vnet_keys={"allow_unserve": True})
        _, cfg, _ = self.vnet("B")
        local = free_port()
        out = self.ok(f"unserve vnetid={aid} port={svc.port} local_port={local}", cfg)
        m = re.search(rf"(?m)^vnet {aid} accepted: serveid (\d{{3}})$", out)
        self.assertIsNotNone(m, out)
        self.assertIn(f"use unserve-{m.group(1)} created: 127.0.0.1:{local} -> serveid {m.group(1)}", out)
        self.wait_echo(local, 15)
        data = os.urandom(300000)
        self.assertEqual(harness.sha256(harness.exchange(local, data)), harness.sha256(data))
        expected = collections.Counter([(len(data), harness.sha256(data))])
        self.wait_until(lambda: not svc.missing_records(expected), 10, "the service's record of the bytes")

    def test_reload_through_ctl(self):
        svc = self.c.service(EchoService())
        _, cfg, _ = self.vnet("a")
        with open(cfg, "a") as f:
            f.write(f"[serve.added]\nserveid=740\nport={svc.port}\n")
        out = self.ok("reload", cfg)
        self.assertEqual(out, f"reloaded {cfg}: serves +1 -0 ~0, uses +0 -0 ~0\n")
        self.assertIn("registered", self.wait_until(
            lambda: (lambda o: "registered" in o and o)(self.ok("show serve", cfg)), 10, "the added serve"))
        with open(cfg, "a") as f:
            f.write("[serve.bad]\nport=notaport\n")
        rc, _, err = ctl("reload", cfg)
        self.assertEqual(rc, 1)
        self.assertIn("error: reload failed, nothing changed:", err)

    def test_save_through_ctl(self):
        svc = self.c.service(EchoService())
        _, cfg, _ = self.vnet("a")
        with open(cfg) as f:
            original = f.read()
        self.ok(f"serve run web serveid=730 port={svc.port}", cfg)
        out = self.ok("save", cfg)
        self.assertEqual(out, f"saved 1 serve(s) and 0 use(s) to {cfg} (the previous file is {cfg}.bak)\n")
        with open(cfg + ".bak") as f:
            self.assertEqual(f.read(), original)
        with open(cfg) as f:
            self.assertIn(f"[serve.web]\nserveid=730\nport={svc.port}\n", f.read())
        self.assertEqual(self.ok("reload", cfg), f"reloaded {cfg}: nothing changed\n")

    @harness.unittest.skipUnless(os.geteuid() == 0, "needs root to run the vnet as another user")
    def test_save_where_the_vnet_may_not_write_says_what_to_do(self):
        # The packaged service's situation: the file is root's, in a directory
        # the vnet's user may not write; its state directory is its own.
        etc, run, state = (os.path.join(self.c.dir, d) for d in ("etc", "run", "state"))
        for d in (etc, run, state):
            os.makedirs(d)
        os.chmod(self.c.dir, 0o755)
        for d in (run, state):
            os.chown(d, 65534, 65534)
        cfg = os.path.join(etc, "vnet.ini")
        with open(cfg, "w") as f:
            f.write(vnet_config_text("svc", self.route_port, terminal=False))
        os.chmod(cfg, 0o644)
        path = os.path.join(run, "vnet.ctl")
        log = os.path.join(self.c.dir, "svc.log")
        d = harness.Daemon("svc", ["env", f"STATE_DIRECTORY={state}", "setpriv", "--reuid=65534",
                                   "--regid=65534", "--clear-groups", binary("vnet"), "--ctl", path, cfg],
                           log, self.c.dir)
        self.c.daemons.append(d)
        d.wait_log(CONNECTED, 15)
        self.ok("serve new x port=1", path=path)  # something to save
        rc, _, err = ctl("save", path=path)
        self.assertEqual(rc, 1)
        self.assertIn(f"error: save failed: {cfg}: this vnet cannot write there (Permission denied); "
                      f"nothing written. save it where this vnet may write, its state directory: "
                      f"vnet ctl save {state}/vnet.ini", err)
        self.assertEqual(sorted(os.listdir(etc)), ["vnet.ini"], "nothing written beside the file")
        self.assertIn(f"to {state}/vnet.ini", self.ok(f"save {state}/vnet.ini", path=path))
        self.assertTrue(os.path.exists(f"{state}/vnet.ini"))


class SocketTest(CtlCase):
    def test_mode_0600_and_removed_at_exit(self):
        d, cfg, _ = self.vnet("a")
        st = os.lstat(cfg + ".ctl")
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.lstat(self.route_cfg + ".ctl").st_mode), 0o600)
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(cfg + ".ctl"), "the socket outlived its vnet")

    def test_stale_socket_is_replaced(self):
        cfg = self.c.write("a.ini", vnet_config_text("a", self.route_port, terminal=False))
        # What a killed daemon leaves: a socket file nobody accepts on.
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(cfg + ".ctl")
        dead.close()
        d = self.c.start("vnet", cfg, "a")
        d.wait_log(CONNECTED, 15)
        self.assertIn("replacing the one a stopped vnet left", d.log())
        self.assertIn("no serves", self.ok("show serve", cfg))

    def test_second_daemon_is_refused_and_the_first_goes_on(self):
        first, cfg, _ = self.vnet("a")
        second = self.c.start("vnet", cfg, "a-again")
        second.expect_exit = True
        wait_for(lambda: not second.alive(), 10, what="the second vnet to exit")
        self.assertEqual(second.proc.returncode, 1)
        self.assertIn(f"another vnet is running with the control socket {cfg}.ctl: stop it first, "
                      "or give this one another --ctl PATH", second.log())
        self.assertNotIn("connected to route", second.log())
        self.assertTrue(first.alive())
        self.assertIn("no serves", self.ok("show serve", cfg))
        # A file that is no socket is never removed.
        other = self.c.write("b.ini", vnet_config_text("b", self.route_port, terminal=False))
        self.c.write("b.ini.ctl", "mine")
        third = self.c.start("vnet", other, "b")
        third.expect_exit = True
        wait_for(lambda: not third.alive(), 10, what="the vnet to refuse the file")
        self.assertIn("the file exists and is not a socket", third.log())
        with open(other + ".ctl") as f:
            self.assertEqual(f.read(), "mine")

    def test_no_socket_where_it_cannot_be_made_unless_asked_for(self):
        # A file whose FILE.ctl cannot be a socket (here: too long a path;
        # elsewhere a folder the daemon may not write): the daemon runs on
        # without one and says so. Asked for with --ctl, it refuses to start.
        deep = os.path.join(self.c.dir, "d" * 60, "e" * 60)
        os.makedirs(deep)
        cfg = os.path.join(deep, "a.ini")
        with open(cfg, "w") as f:
            f.write(vnet_config_text("a", self.route_port, terminal=False))
        a = self.c.start("vnet", cfg, "a")
        a.wait_log(CONNECTED, 15)
        self.assertIn("too long for a unix socket", a.log())
        self.assertIn("running without a control socket (give --ctl PATH for one)", a.log())
        self.assertTrue(a.alive())
        asked = harness.Daemon("asked", [harness.binary("vnet"), "--ctl", cfg + ".ctl", cfg],
                               os.path.join(self.c.dir, "asked.log"), self.c.dir)
        self.c.daemons.append(asked)
        asked.expect_exit = True
        wait_for(lambda: not asked.alive(), 10, what="the vnet given an impossible --ctl to exit")
        self.assertEqual(asked.proc.returncode, 1)
        self.assertIn("too long for a unix socket", asked.log())

    def test_misbehaving_clients_end_only_themselves(self):
        svc = self.c.service(EchoService())
        self.vnet("s", serves={"echo": {"serveid": 750, "port": svc.port}})
        use_port = free_port()
        _, cfg, _ = self.vnet("u", uses={"echo": {"serveid": 750, "port": use_port}})
        self.wait_echo(use_port, 15)
        held = hold_connection(use_port)  # a tunnel in use throughout
        path = cfg + ".ctl"

        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(30)
            s.connect(path)
            return s

        silent = connect()  # says nothing
        mute = connect()  # asks, never reads its answer
        mute.sendall(b"help\n")
        garbage = connect()  # no line end within 4 KiB
        garbage.sendall(os.urandom(64 * 1024).replace(b"\n", b"x"))
        self.assertEqual(harness.recv_all(garbage).split(b"\n")[:2],
                         [b"2", b"error: the command line is longer than 4096 bytes"])
        junk = connect()  # a line of junk: an error for that client only
        junk.sendall(b"\x1b[2J\x00\xff\xfe show\n")
        self.assertTrue(harness.recv_all(junk).startswith(b"2\nerror: no command"))
        # Meanwhile the vnet answers others and carries bytes.
        self.assertIn("echo", self.ok("show use", cfg))
        data = os.urandom(200000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
        held.sendall(b"still")
        self.assertEqual(harness.recv_exact(held, 5), b"still")
        # The silent one is let go after its deadline (10 s), with the reason.
        started = time.monotonic()
        self.assertEqual(harness.recv_all(silent), b"2\nerror: no command line within 10 s\n")
        self.assertLess(time.monotonic() - started, 25)
        self.c.check_alive()
        for s in (silent, mute, garbage, junk, held):
            s.close()


    def test_a_vnet_without_a_file(self):
        xdg = os.path.join(self.c.dir, "xdg")
        os.makedirs(xdg)
        route = f"{LOOPBACK}:{self.route_port}"
        given = os.path.join(self.c.dir, "given.ctl")
        for name, argv, path in (
                ("flag", [binary("vnet"), "--route", route, "--ctl", given], lambda d: given),
                ("xdg", ["env", f"XDG_RUNTIME_DIR={xdg}", binary("vnet"), "--route", route],
                 lambda d: os.path.join(xdg, f"vnet-{d.pid}.ctl"))):
            d = harness.Daemon(name, argv, os.path.join(self.c.dir, f"{name}.log"), self.c.dir)
            self.c.daemons.append(d)
            d.wait_log(CONNECTED, 15)
            self.assertIn(f"control socket {path(d)}", d.log())
            self.assertRegex(self.ok("show vnet", path=path(d)), r"(?m)^config +none \(started with --route\)$")
            d.stop()
        d = harness.Daemon("none", ["env", "-u", "XDG_RUNTIME_DIR", binary("vnet"), "--route", route],
                           os.path.join(self.c.dir, "none.log"), self.c.dir)
        self.c.daemons.append(d)
        d.wait_log("no control socket: start with --ctl PATH to use vnet ctl", 15)

    def test_ctl_finds_the_running_vnet_without_a_file(self):
        # `vnet ctl` next to a one-liner: no --ctl, no config.ini.ctl here.
        xdg = os.path.join(self.c.dir, "xdg-find")
        here = os.path.join(self.c.dir, "elsewhere")
        os.makedirs(xdg)
        os.makedirs(here)
        env = {k: v for k, v in os.environ.items() if k != "RUNTIME_DIRECTORY"}
        env["XDG_RUNTIME_DIR"] = xdg

        def bare_ctl(line):
            p = subprocess.run([binary("vnet"), "ctl", *line.split()], capture_output=True, text=True,
                               timeout=60, env=env, cwd=here)
            return p.returncode, p.stdout, p.stderr

        rc, out, err = bare_ctl("show vnet")
        self.assertEqual(rc, 3, out + err)
        self.assertIn(f"no vnet found: no ./config.ini.ctl here, and no running vnet started without a "
                      f"file ({xdg}/vnet-PID.ctl)", err)
        route = f"{LOOPBACK}:{self.route_port}"
        started = []
        for name in ("one", "two"):
            d = harness.Daemon(name, ["env", f"XDG_RUNTIME_DIR={xdg}", binary("vnet"), "--route", route,
                                      "--name", name], os.path.join(self.c.dir, f"{name}.log"), self.c.dir)
            self.c.daemons.append(d)
            d.wait_log(CONNECTED, 15)
            started.append(d)
            if name == "one":
                rc, out, err = bare_ctl("show vnet")
                self.assertEqual(rc, 0, out + err)
                self.assertRegex(out, r"(?m)^config +none \(started with --route\)$")
                self.assertRegex(out, r"(?m)^name +one$")
        rc, out, err = bare_ctl("show vnet")
        self.assertEqual(rc, 2, out + err)
        self.assertIn("vnet ctl: 2 vnets are running; say which with --ctl PATH:", err)
        for d in started:
            self.assertIn(f"vnet ctl --ctl {xdg}/vnet-{d.pid}.ctl ...", err)

    def test_runtime_directory_of_a_service(self):
        run = os.path.join(self.c.dir, "run")
        os.makedirs(run)
        cfg = self.c.write("svc.ini", vnet_config_text("svc", self.route_port, terminal=False))
        d = harness.Daemon("svc", ["env", f"RUNTIME_DIRECTORY={run}", binary("vnet"), cfg],
                           os.path.join(self.c.dir, "svc.log"), self.c.dir)
        self.c.daemons.append(d)
        d.wait_log(CONNECTED, 15)
        self.assertTrue(stat.S_ISSOCK(os.lstat(os.path.join(run, "vnet.ctl")).st_mode))
        self.assertFalse(os.path.exists(cfg + ".ctl"))
        p = subprocess.run([binary("vnet"), "ctl", "show", "serve"], capture_output=True, text=True,
                           timeout=60, env=dict(os.environ, RUNTIME_DIRECTORY=run))
        self.assertEqual((p.returncode, p.stdout), (0, "no serves\n"), p.stderr)

    def test_a_few_clients_at_once(self):
        _, cfg, _ = self.vnet("a")
        clients = []
        for _ in range(8):  # the most served at once, all silent
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(30)
            s.connect(cfg + ".ctl")
            clients.append(s)
        # Accepted in order: the 8 are in before the one that must wait.
        self.wait_until(lambda: (lambda r: r[0] == 1 and "too many ctl clients" in r[2])(
            ctl("show serve", cfg)), 10, "the ninth client refused")
        for s in clients:
            s.close()
        self.wait_until(lambda: ctl("show serve", cfg)[0] == 0, 10, "ctl served again once they left")


class RouteCtlTest(CtlCase):
    def test_show_vnets_groups_links(self):
        svc = self.c.service(EchoService())
        _, _, sid = self.vnet("server", group="g1", serves={"echo": {"serveid": 760, "port": svc.port}})
        use_port = free_port()
        _, _, uid = self.vnet("user", group="g1", uses={"echo": {"serveid": 760, "port": use_port}})
        self.vnet("alone", group="g2")
        self.wait_echo(use_port, 15)
        held = hold_connection(use_port)

        out = self.ok("show vnets", self.route_cfg, program="route")
        self.assertRegex(out, r"^vnetid  name +group  address +serves  links  connected since\n")
        self.assertRegex(out, rf"(?m)^{sid} +server +g1 +127\.0\.0\.1:\d+ +1 +1 +\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertRegex(out, rf"(?m)^{uid} +user +g1 +127\.0\.0\.1:\d+ +0 +1 ")
        self.assertTrue(out.endswith("- 3 vnets -\n"), out)

        out = self.ok("show groups", self.route_cfg, program="route")
        self.assertRegex(out, rf"(?m)^group  vnets  serves  links  relayed\ng1 +2 +1 +1 +{BYTES}\n"
                              r"g2 +1 +0 +0 +0 bytes\n- 2 groups -\n$")

        out = self.wait_until(lambda: (lambda o: "live" in o and re.search(r"(?m)^\d+ ", o) and o)(
            self.ok("show links", self.route_cfg, program="route")), 10, "the held link listed")
        # Up and down: what the link carried so far (the probe's "ping" and
        # the held connection's "x", with the links' own overhead).
        self.assertRegex(out, rf"(?m)^link  group  use vnet  serve vnet:serveid  age +up +down$")
        self.assertRegex(out, rf"(?m)^\d+ +g1 +{uid} user +{sid} server:760 +\d+ s +{BYTES} +{BYTES}$")
        # The vnets' idle pooled links come and go: their counts are not fixed.
        self.assertRegex(out, r"- 1 link live, 0 waiting for the serving vnet, (\d+) idle pooled "
                              r"\(\d+ use, \d+ serve\) -\n$")

        out = self.ok("show serves", self.route_cfg, program="route")
        self.assertRegex(out, rf"(?m)^group  serveid  name  type  vnet +address +relayed\n"
                              rf"g1 +760 +echo +tcp +{sid} server +127\.0\.0\.1:{svc.port} +{BYTES}\n- 1 serve -\n$")

        rc, _, err = ctl("show nothing", self.route_cfg, program="route")
        self.assertEqual(rc, 2)
        self.assertIn("error: cannot show 'nothing'\nusage: help | show vnets|groups|serves|links|rates|admission "
                      "| reload", err)
        rc, _, err = ctl("show", path=os.path.join(self.c.dir, "none.ctl"), program="route")
        self.assertEqual(rc, 3)
        self.assertIn("no route is running at", err)
        held.close()


    def test_rates_after_traffic(self):
        svc = self.c.service(EchoService())
        self.vnet("server", serves={"echo": {"serveid": 760, "port": svc.port}})
        use_port = free_port()
        self.vnet("user", uses={"echo": {"serveid": 760, "port": use_port}})
        self.wait_echo(use_port, 15)
        # The group's series begins at the first 5 s step that sees it.
        self.wait_until(lambda: re.search(r"(?m)^default +1 min ", self.ok("show rates", self.route_cfg,
                                                                          program="route")), 15, "a group series")
        data = os.urandom(1_000_000)
        self.assertEqual(harness.sha256(harness.exchange(use_port, data)), harness.sha256(data))
        # A 5 s step with 2 MB and more relayed (1 MB each way): at least 200 KiB/s.
        out = self.wait_until(lambda: (lambda o: re.search(r"(?m)^default +1 min +\d+\.\d (KiB|MiB)", o) and o)(
            self.ok("show rates", self.route_cfg, program="route")), 20, "the transfer in the rates")
        self.assertRegex(out, r"(?m)^scope +over +up/s +down/s +opened/s +failed/s$")
        self.assertRegex(out, r"(?m)^route +1 min +\d+\.\d (KiB|MiB) +\d+\.\d (KiB|MiB) +0\.\d\d +0\.00$")
        self.assertRegex(out, r"(?m)^route +1 h ")

    def test_admission_lists_refusals_and_bans(self):
        _, port = self.c.start_route(name="guarded", token="right-token-0123456789")
        cfg = os.path.join(self.c.dir, "guarded.ini")
        # Five refusals within a minute from one address: it is banned.
        for i in range(5):
            wrong = self.c.write(f"wrong{i}.ini", ini_text({
                "route": {"ip": LOOPBACK, "port": port, "token": "wrong-token-0123456789"},
                "vnet": {"name": f"wrong{i}"}}))
            self.c.start("vnet", wrong, f"wrong{i}")
        out = self.wait_until(lambda: (lambda o: re.search(r"(?m)^127\.0\.0\.1 +5 +\d{4}-", o) and o)(
            self.ok("show admission", cfg, program="route")), 20, "the address banned")
        self.assertRegex(out, r"(?m)^when +address +name given$")
        self.assertRegex(out, r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +127\.0\.0\.1 +wrong\d$")
        self.assertRegex(out, r"- ([5-9]|\d\d+) admissions refused since start, the newest \d+ above -")
        self.assertRegex(out, r"(?m)^address +failures +banned until$")
        self.assertIn("- 5 failures within 60 s stop an address from opening sessions for 60 s (its network at 20) -", out)

    def test_reload_does_what_sighup_does(self):
        route_ini = self.route_cfg
        with open(route_ini) as f:
            text = f.read()
        with open(route_ini, "a") as f:
            f.write("timeout = 17\n")
        out = self.ok("reload", route_ini, program="route")
        self.assertRegex(out, rf"^reloaded {re.escape(route_ini)}: .*timeout \d+ -> 17")
        self.route.wait_log(r"ctl: reloading ")
        self.assertEqual(self.ok("reload", route_ini, program="route"), f"reloaded {route_ini}: nothing changed\n")
        with open(route_ini, "w") as f:
            f.write(text + "timeout = soon\n")
        rc, out, err = ctl("reload", route_ini, program="route")
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"^error: reload failed, nothing changed: .*timeout")
        rc, _, err = ctl("reload now", route_ini, program="route")
        self.assertEqual(rc, 2)
        self.assertTrue(self.route.alive())


class HelpTest(harness.BlackBoxCase):
    def test_help_mentions_ctl(self):
        for program in ("vnet", "route"):
            out = subprocess.run([binary(program), "--help"], capture_output=True, text=True).stdout
            self.assertIn(f"{program} ctl [--ctl PATH | --config FILE] COMMAND...", out)
            self.assertIn("--ctl PATH", out)
            out = subprocess.run([binary(program), "ctl", "--help"], capture_output=True, text=True).stdout
            self.assertRegex(out, r"Exit status: 0 done, 1 the command failed, 2 a usage error"
                                  r"( \(or several vnets to choose from\))?, 3 no")


if __name__ == "__main__":
    harness.unittest.main()
