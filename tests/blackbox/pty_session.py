"""Drives the real `vnet` binary like a user at a terminal (a pseudo-terminal)
or like a script feeding it commands through a pipe.

PtySession starts a process with a pty as its controlling terminal (so Ctrl-C
typed there is a SIGINT from the line discipline, exactly as in a real
terminal), keeps everything it writes (stdout and stderr share the screen) in
a transcript, and lets a test type and wait:

    s = PtySession([vnet, "--log-level", "info", cfg], cwd=dir)
    s.expect(r"connected to route .* as vnet (\\d\\d)")
    s.send_line("show serve")
    s.expect(r"serveid\\s+key")
    s.ctrl_d(); assert s.wait_exit(5) == 0

Matching runs on a cleaned copy of the screen: ANSI escape sequences removed,
"\\r\\n" and lone "\\r" turned into "\\n", backspaces and bells dropped. Each
expect() only searches text newer than the end of the previous match.

PipedProcess runs the same binary with stdin and stdout as pipes (and stderr
to a file), for the "commands from a script" mode.

Nothing here knows about vnet: its fixtures (a vnet in a pty, the tables it
prints, the test case owning sessions) are in vnet_terminal.py.

Python standard library only.
"""

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-character
# escapes (ESC followed by one byte such as ESC = or ESC >; charset ESC ( B).
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[()*+][0-~]"
    r"|\x1b[@-Z\\-_=>78]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text):
    """Screen text -> matchable text (see the module comment)."""
    text = _ANSI.sub("", text)
    # Readline's invisible-prompt markers, if they ever leak.
    text = text.replace("\x01", "").replace("\x02", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


class ExpectTimeout(AssertionError):
    pass


class PtySession:
    """A process attached to a pseudo-terminal (see the module comment)."""

    def __init__(self, argv, cwd=None, env=None, term="xterm", rows=50, cols=250,
                 name="pty"):
        self.name = name
        self.argv = list(argv)
        self._raw = bytearray()
        self._lock = threading.Condition()
        self._eof = False
        self._clean_cache = ("", 0)  # (cleaned text, raw length it was made from)
        self.cursor = 0  # offset in the cleaned text where the next expect starts

        master, slave = os.openpty()
        # A wide screen: readline does not wrap or scroll our command lines.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ if env is None else env)
        full_env["TERM"] = term
        full_env["COLUMNS"] = str(cols)
        full_env["LINES"] = str(rows)
        full_env.pop("INPUTRC", None)
        # An empty inputrc: the user's ~/.inputrc must not change key bindings.
        full_env["INPUTRC"] = "/dev/null"

        def become_terminal_owner():
            # start_new_session made us a session leader; now make the pty our
            # controlling terminal so ^C, ^Z, ^\ raise signals as in a shell.
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        try:
            self.proc = subprocess.Popen(self.argv, cwd=cwd, env=full_env, stdin=slave,
                                         stdout=slave, stderr=slave, close_fds=True,
                                         start_new_session=True,
                                         preexec_fn=become_terminal_owner)
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        os.close(slave)  # the child holds it; we see EIO on master once it exits
        self.master = master
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"pty-reader-{name}")
        self._reader.start()

    # ------------------------------------------------------------------ output

    def _read_loop(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.5)
            except (OSError, ValueError):
                break
            if not r:
                if self.proc.poll() is not None:
                    # The child is gone; drain what is left, then stop.
                    try:
                        data = os.read(self.master, 65536)
                    except OSError:
                        data = b""
                    if data:
                        with self._lock:
                            self._raw += data
                            self._lock.notify_all()
                        continue
                    break
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the slave side is closed
                break
            if not data:
                break
            with self._lock:
                self._raw += data
                self._lock.notify_all()
        with self._lock:
            self._eof = True
            self._lock.notify_all()

    @property
    def raw(self):
        """Everything the process wrote, as text (escape sequences kept)."""
        with self._lock:
            return self._raw.decode("utf-8", "replace")

    def screen(self):
        """The cleaned transcript (what expect() matches against)."""
        with self._lock:
            text, n = self._clean_cache
            if n != len(self._raw):
                text = clean(self._raw.decode("utf-8", "replace"))
                self._clean_cache = (text, len(self._raw))
            return text

    def since(self, mark):
        """Cleaned text from offset `mark` (a previous cursor) to now."""
        return self.screen()[mark:]

    def tail(self, n=4000):
        return self.screen()[-n:]

    def expect(self, pattern, timeout=10.0, flags=re.MULTILINE):
        """Waits until `pattern` (a regex string or compiled regex) matches the
        cleaned output after the cursor; moves the cursor past the match and
        returns the match. Raises ExpectTimeout (an AssertionError) with the
        end of the screen on timeout or when the process exits first."""
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            m = rx.search(text, self.cursor)
            if m:
                self.cursor = m.end()
                return m
            with self._lock:
                eof = self._eof and len(self._raw) == self._clean_cache[1]
                if not eof:
                    left = deadline - time.monotonic()
                    if left > 0:
                        self._lock.wait(min(left, 0.2))
                        continue
            if eof:
                # One last look, then fail.
                m = rx.search(self.screen(), self.cursor)
                if m:
                    self.cursor = m.end()
                    return m
                why = f"the process exited (code {self.proc.poll()})"
            else:
                why = f"timed out after {timeout:.1f} s"
            raise ExpectTimeout(
                f"{self.name}: {why} waiting for {rx.pattern!r}\n"
                f"----- screen after the cursor ({len(text) - self.cursor} chars) -----\n"
                f"{text[self.cursor:][-4000:]}\n----- end of screen -----")

    def expect_exact(self, text, timeout=10.0):
        return self.expect(re.escape(text), timeout)

    def skip_to_end(self):
        """Moves the cursor to the end of what has been received so far."""
        self.cursor = len(self.screen())

    # ------------------------------------------------------------------- input

    def send(self, text):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        while data:
            n = os.write(self.master, data)
            data = data[n:]

    def send_line(self, text=""):
        self.send(text + "\r")

    def ctrl_c(self):
        self.send("\x03")

    def ctrl_d(self):
        self.send("\x04")

    # --------------------------------------------------------------- lifetime

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait_exit(self, timeout=10.0):
        """Waits for the process to exit; returns its exit code (negative:
        killed by that signal). Raises AssertionError on timeout."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name}: still running after {timeout:.1f} s\n"
                                 f"----- end of screen -----\n{self.tail()}")
        self._reader.join(2)
        return code

    def close(self):
        """Kills the process if it still runs (SIGTERM, then SIGKILL) and
        releases the pty."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.terminate()
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            except OSError:
                pass
        self._reader.join(2)
        try:
            os.close(self.master)
        except OSError:
            pass

    def dump(self, stream=sys.stderr, raw=True):
        stream.write(f"\n----- screen of {self.name} (pid {self.proc.pid}, exit "
                     f"{self.proc.poll()}): {' '.join(self.argv)} -----\n")
        stream.write(self.screen()[-20000:] + "\n")
        if raw:
            stream.write(f"----- raw transcript of {self.name} (last 6000 chars, repr) -----\n")
            stream.write(repr(self.raw[-6000:]) + "\n")
        stream.flush()


class PipedProcess:
    """A process with stdin and stdout as pipes and stderr to a file: the
    terminal=true vnet reading commands from a script."""

    def __init__(self, argv, cwd=None, stderr_path=None, name="piped"):
        self.name = name
        self.argv = list(argv)
        self.stderr_path = stderr_path
        self._err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self._out = bytearray()
        self._lock = threading.Condition()
        self._eof = False
        self.proc = subprocess.Popen(self.argv, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._err,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"pipe-reader-{name}")
        self._reader.start()

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            with self._lock:
                self._out += data
                self._lock.notify_all()
        with self._lock:
            self._eof = True
            self._lock.notify_all()

    def write(self, text):
        self.proc.stdin.write(text.encode("utf-8"))
        self.proc.stdin.flush()

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def stdout(self):
        with self._lock:
            return self._out.decode("utf-8", "replace")

    def stderr(self):
        if not self.stderr_path:
            return ""
        if not self._err.closed:
            self._err.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def wait_exit(self, timeout=10.0):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name}: still running after {timeout:.1f} s")
        self._reader.join(2)
        return code

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.terminate()
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.close_stdin()
        self._reader.join(2)
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        if self._err is not subprocess.DEVNULL:
            self._err.close()

    def dump(self, stream=sys.stderr):
        stream.write(f"\n----- {self.name} (pid {self.proc.pid}, exit {self.proc.poll()}): "
                     f"{' '.join(self.argv)} -----\n--- stdout ---\n{self.stdout()[-10000:]}\n"
                     f"--- stderr ---\n{self.stderr()[-10000:]}\n")
        stream.flush()

