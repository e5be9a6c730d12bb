"""`cmake --install` and the .deb: what lands where, that the installed
programs run under their installed names with the installed configs, that
the systemd units pass `systemd-analyze verify` and carry the hardening the
README promises, and that the man pages render without a warning.

Environment: VNET_BUILD_DIR, the configured and built build directory
(default: the parent of VNET_BIN_DIR)."""

import gzip
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD_DIR = os.environ.get("VNET_BUILD_DIR") or os.path.dirname(harness.BIN_DIR)

# The pages the README links to (every *.md of docs/), installed beside it.
DOC_PAGES = sorted(n for n in os.listdir(os.path.join(harness.REPO, "docs")) if n.endswith(".md"))

# Relative to the prefix, for a prefix other than /usr.
EXPECTED_FILES = sorted([
    "bin/vnet",
    "bin/vnet-route",
    "etc/vnet/route.ini",
    "etc/vnet/vnet.ini",
    "lib/systemd/system/vnet-route.service",
    "lib/systemd/system/vnet.service",
    "lib/sysusers.d/vnet.conf",
    "share/doc/vnet/README.md",
    "share/doc/vnet/examples/config.ini.example",
    "share/man/man1/vnet.1.gz",
    "share/man/man8/vnet-route.8.gz",
] + ["share/doc/vnet/docs/" + name for name in DOC_PAGES])

UNITS = {  # unit -> (program, config, state directory)
    "vnet.service": ("vnet", "vnet.ini", "vnet"),
    "vnet-route.service": ("vnet-route", "route.ini", "vnet-route"),
}

HARDENING = {
    "User": "vnet",
    "Group": "vnet",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "LimitNOFILE": "65536",
    "ExecReload": "/bin/kill -HUP $MAINPID",
}


def run(argv, env=None, timeout=120):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def install(prefix, destdir=None):
    env = dict(os.environ)
    if destdir:
        env["DESTDIR"] = destdir
    code, out, err = run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], env=env)
    if code != 0:
        raise AssertionError(f"cmake --install failed ({code}):\n{out}\n{err}")
    return out


def files_under(root):
    found = []
    for d, _, names in os.walk(root):
        found += [os.path.relpath(os.path.join(d, n), root) for n in names]
    return sorted(found)


def service_section(path):
    """The [Service] keys of a unit file, as {key: value} (last one wins)."""
    keys, section = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                keys[k] = v
    return keys


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(BUILD_DIR, "cmake_install.cmake")):
            raise AssertionError(f"{BUILD_DIR} is not a configured build directory "
                                 "(set VNET_BUILD_DIR)")
        cls.dir = tempfile.mkdtemp(prefix="vnet-install-")
        cls.prefix = os.path.join(cls.dir, "prefix")
        install(cls.prefix)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.prefix, rel)

    def test_install_places_exactly_the_expected_files(self):
        if not os.path.exists(self.path("share/man/man1/vnet.1.gz")):
            self.fail("no man pages: help2man was missing when the build was configured "
                      "(scripts/install-deps.sh installs it; then configure again)")
        self.assertEqual(files_under(self.prefix), EXPECTED_FILES)
        for prog in ("bin/vnet", "bin/vnet-route"):
            self.assertTrue(os.access(self.path(prog), os.X_OK), prog)

    def test_programs_run_under_their_installed_names(self):
        code, out, _ = run([self.path("bin/vnet-route"), "--version"])
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^vnet-route \d+\.\d+\.\d+ \(protocol \d+\)\n$")
        code, out, _ = run([self.path("bin/vnet-route"), "--help"])
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("Usage: vnet-route [options] [config.ini]\n"), out)
        code, _, err = run([self.path("bin/vnet-route"), "--bogus"])
        self.assertEqual(code, 2)
        self.assertIn("Try 'vnet-route --help'.", err)
        code, out, _ = run([self.path("bin/vnet"), "--version"])
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^vnet \d+\.\d+\.\d+ ")

    def test_installed_configs_are_valid(self):
        for prog, ini in (("vnet", "vnet.ini"), ("vnet-route", "route.ini")):
            code, out, err = run([self.path("bin/" + prog), "--check-config",
                                  self.path("etc/vnet/" + ini)])
            self.assertEqual(code, 0, f"{prog} {ini}: {out}{err}")
            self.assertIn(": valid;", out)
            self.assertEqual(err, "", "no unknown-key warning in a shipped config")

    def test_units_start_the_installed_programs_hardened(self):
        for unit, (prog, ini, state) in UNITS.items():
            keys = service_section(self.path("lib/systemd/system/" + unit))
            self.assertEqual(keys["ExecStart"],
                             f"{self.path('bin/' + prog)} {self.path('etc/vnet/' + ini)}", unit)
            for k, v in HARDENING.items():
                self.assertEqual(keys.get(k), v, f"{unit} {k}")
            self.assertEqual(keys.get("StateDirectory"), state, unit)
            self.assertEqual(keys.get("RuntimeDirectory"), state, unit)
            # Configs outside /etc: systemd's ConfigurationDirectory= would
            # name the wrong place.
            self.assertNotIn("ConfigurationDirectory", keys, unit)

    def test_units_pass_systemd_analyze_verify(self):
        tool = shutil.which("systemd-analyze")
        if not tool:
            self.skipTest("systemd-analyze is not installed (apt-get install systemd)")
        units = [self.path("lib/systemd/system/" + u) for u in UNITS]
        # verify runs `man` on Documentation=: point it at the installed pages.
        env = dict(os.environ, MANPATH=self.path("share/man") + ":")
        code, out, err = run([tool, "verify"] + units, env=env)
        self.assertEqual((code, err), (0, ""), out)

    def test_sysusers_entry_parses(self):
        tool = shutil.which("systemd-sysusers")
        if not tool or os.geteuid() != 0:
            self.skipTest("systemd-sysusers --dry-run needs the tool and root")
        code, out, err = run([tool, "--dry-run", self.path("lib/sysusers.d/vnet.conf")])
        self.assertEqual(code, 0, out + err)
        self.assertNotRegex(out + err, r"(?i)ignoring|failed|invalid|unknown", out + err)

    def test_man_pages_render_without_warnings(self):
        for page, name, prog in (("share/man/man1/vnet.1.gz", "VNET", "vnet"),
                                 ("share/man/man8/vnet-route.8.gz", "VNET-ROUTE", "vnet-route")):
            with gzip.open(self.path(page)) as f:
                source = f.read()
            p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=source,
                               capture_output=True, timeout=30)
            self.assertEqual((p.returncode, p.stderr.decode()), (0, ""), page)
            env = dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8")
            code, text, err = run(["man", "-l", self.path(page)], env=env, timeout=30)
            self.assertEqual(code, 0, err)
            self.assertTrue(text.startswith(name + "("), text[:80])
            # Every option of --help is on the page (it is made from --help),
            # as a tag of its own, apart from its description.
            _, helptext, _ = run([self.path("bin/" + prog), "--help"])
            # An option (and its value's name, in capitals) ends where its
            # description starts.
            tags = re.findall(r"^  ((?:-\w \[ )?--?[\w-]+(?: \])?(?: [A-Z[]\S*)?)", helptext, re.M)
            self.assertGreaterEqual(len(tags), 6, helptext)
            lines = [l.strip() for l in text.splitlines()]
            for tag in tags:
                self.assertIn(tag, lines, f"{page}: option {tag!r} not on a line of its own")
            # Every way to start it is in the synopsis.
            synopsis = " ".join(text[text.index("SYNOPSIS"):text.index("DESCRIPTION")].split())
            self.assertIn(f"{prog} [options] [config.ini]", synopsis)
            if prog == "vnet":
                self.assertIn("vnet [options] --route HOST:PORT", synopsis)
            self.assertIn("/etc/vnet/", text)

    def test_reinstall_keeps_an_edited_config(self):
        ini = self.path("etc/vnet/vnet.ini")
        with open(ini, encoding="utf-8") as f:
            original = f.read()
        edited = original.replace("ip = 127.0.0.1", "ip = 192.0.2.7")
        self.assertNotEqual(edited, original)
        with open(ini, "w", encoding="utf-8") as f:
            f.write(edited)
        try:
            out = install(self.prefix)
            with open(ini, encoding="utf-8") as f:
                self.assertEqual(f.read(), edited)
            self.assertIn("Keeping:", out)
        finally:
            with open(ini, "w", encoding="utf-8") as f:
                f.write(original)

    def test_prefix_usr_puts_the_configs_in_etc(self):
        root = os.path.join(self.dir, "destdir")
        install("/usr", destdir=root)
        found = files_under(root)
        self.assertIn("etc/vnet/vnet.ini", found)
        self.assertIn("usr/bin/vnet-route", found)
        self.assertIn("usr/lib/systemd/system/vnet.service", found)
        self.assertFalse([f for f in found if f.startswith("usr/etc")], found)
        keys = service_section(os.path.join(root, "usr/lib/systemd/system/vnet.service"))
        self.assertEqual(keys["ExecStart"], "/usr/bin/vnet /etc/vnet/vnet.ini")
        self.assertEqual(keys["ConfigurationDirectory"], "vnet")


class DebTest(unittest.TestCase):
    """The .deb from `cpack -G DEB` (a few seconds once everything is built)."""

    def test_deb_contents_and_control(self):
        for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is not installed (apt-get install dpkg-dev cmake)")
        out_dir = tempfile.mkdtemp(prefix="vnet-deb-")
        self.addCleanup(shutil.rmtree, out_dir, True)
        code, out, err = run(["cpack", "-G", "DEB", "-B", out_dir, "--config",
                              os.path.join(BUILD_DIR, "CPackConfig.cmake")], timeout=240)
        self.assertEqual(code, 0, out + err)
        debs = [f for f in os.listdir(out_dir) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1, debs)
        self.assertRegex(debs[0], r"^vnet_\d+\.\d+\.\d+_[a-z0-9]+\.deb$")
        deb = os.path.join(out_dir, debs[0])

        code, listing, _ = run(["dpkg-deb", "-c", deb])
        paths = sorted(line.split()[5].lstrip(".") for line in listing.splitlines()
                       if not line.split()[5].endswith("/"))
        self.assertEqual(paths, sorted([
            "/etc/vnet/route.ini", "/etc/vnet/vnet.ini",
            "/usr/bin/vnet", "/usr/bin/vnet-route",
            "/usr/lib/systemd/system/vnet-route.service", "/usr/lib/systemd/system/vnet.service",
            "/usr/lib/sysusers.d/vnet.conf",
            "/usr/share/doc/vnet/README.md", "/usr/share/doc/vnet/examples/config.ini.example",
            "/usr/share/man/man1/vnet.1.gz", "/usr/share/man/man8/vnet-route.8.gz"]
            + ["/usr/share/doc/vnet/docs/" + name for name in DOC_PAGES]))

        control = os.path.join(out_dir, "control")
        code, _, err = run(["dpkg-deb", "-e", deb, control])
        self.assertEqual(code, 0, err)
        with open(os.path.join(control, "control"), encoding="utf-8") as f:
            fields = f.read()
        depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
        for dep in ("adduser", "libboost-program-options", "libspdlog", "libreadline", "libc6"):
            self.assertIn(dep, depends)
        with open(os.path.join(control, "conffiles"), encoding="utf-8") as f:
            self.assertEqual(f.read().split(), ["/etc/vnet/route.ini", "/etc/vnet/vnet.ini"])
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(control, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            code, _, err = run(["sh", "-n", path])
            self.assertEqual(code, 0, f"{script}: {err}")
        with open(os.path.join(control, "postinst"), encoding="utf-8") as f:
            self.assertIn("adduser --system --group", f.read())


if __name__ == "__main__":
    unittest.main()
