"""The vnet terminal's line editing, driven in a pty: Ctrl-C at the prompt
and at a question, history (up arrow, and kept across runs in
~/.vnet_history), Tab completion (commands, sub-commands, names, and the
answer to a question), log lines arriving while typing, and leaving (exit,
Ctrl-D, SIGTERM). Each test builds the few vnets it needs."""

import os
import signal
import unittest

from harness import EchoService, free_port, port_refuses
from vnet_terminal import (PROMPT, PROMPT_AFTER_CTRL_C, SERVE_HEADER, USE_HEADER, TerminalCase, row_by_key,
                           table_after)


class InputTest(TerminalCase):
    """A route and one terminal vnet "term" with serve "local" (710,
    registered) and use "u700" (standing by: nobody serves 700)."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.local = self.c.service(EchoService())
        self.u700 = free_port()
        self.term, _ = self.terminal("term", self.route_port, serves={
            "local": {"serveid": 710, "port": self.local.port}},
            uses={"u700": {"serveid": 700, "port": self.u700}, "u730": {"serveid": 730}})

    def test_ctrl_c_at_the_prompt_discards_the_line(self):
        t = self.term
        t.send("serve new zz port=1234")
        t.expect(r"serve new zz port=1234")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT_AFTER_CTRL_C, 5)
        self.assertTrue(t.alive())
        # The next line starts empty: "ping" alone runs.
        self.assertRegex(t.command("ping"), r"(?m)^route \S+ answered in")
        self.assertIsNone(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "zz"))

    def test_ctrl_c_during_a_question_aborts_the_command(self):
        t = self.term
        t.send_line("serve new")
        t.answer("name", "ab")
        t.expect(r"^ {4}serveid\(000\): ")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT_AFTER_CTRL_C, 5)
        t.send_line("use new")
        t.expect(r"^ {4}name: ")
        t.ctrl_c()
        t.expect(r"\^C", 5)
        t.expect(PROMPT_AFTER_CTRL_C, 5)
        self.assertTrue(t.alive())
        self.assertIsNone(row_by_key(table_after(SERVE_HEADER, t.command("show serve")), "ab"))
        self.assertEqual(sorted(r[1] for r in table_after(USE_HEADER, t.command("show use"))),
                         ["u700", "u730"])

    def test_history_up_arrow(self):
        t = self.term
        self.assertRegex(t.command("show vnet"), r"(?m)^\s*vnetid")
        self.assertRegex(t.command("ping"), r"answered in")
        mark = t.cursor
        t.send("\x1b[A\x1b[A\r")  # two back: show vnet
        t.expect(r"(?m)^\s*vnetid\s{2,}\d\d\s*$")
        t.expect(PROMPT)
        self.assertNotIn("answered in", t.since(mark))
        t.send("\x1b[A\r")  # one back: show vnet again (just run)
        t.expect(r"(?m)^\s*vnetid\s{2,}\d\d\s*$")
        t.expect(PROMPT)
        self.assertRegex(t.command("ping"), r"answered in")
        mark = t.cursor
        t.send("\x1b[A\r")  # one back: ping
        t.expect(r"(?m)^route \S+ answered in")
        t.expect(PROMPT)
        self.assertNotRegex(t.since(mark), r"vnetid|error")

    def test_tab_completes_the_command_name(self):
        t = self.term
        t.send("sh\t")
        t.expect(r"show ")
        t.send("vnet\r")
        t.expect(r"(?m)^\s*vnetid\s{2,}" + t.vnetid + r"\s*$")
        t.expect(PROMPT)
        t.send("pi\t\r")
        t.expect(r"(?m)^route \S+ answered in")
        t.expect(PROMPT)

    def test_tab_completes_sub_commands_and_names(self):
        # README: Tab completes command names, sub-commands and the names of
        # your serves and uses.
        t = self.term
        t.send("serve cl\t")
        t.expect(r"serve close ")
        t.send("lo\t")
        t.expect(r"^cal ?|local")
        t.send("\r")
        t.expect(r"(?m)^serve local closed\s*$")
        t.expect(PROMPT)
        t.send("use clo\t")
        t.expect(r"use close ")
        t.send("u70\t\r")  # u700 (u7 is ambiguous: u730)
        t.expect(r"(?m)^use u700 closed\s*$")
        t.expect(PROMPT)

    def test_tab_at_a_question_completes_what_is_asked(self):
        # Issue 7 item 12: at "serve:" Tab offers serve names, at "use:" use
        # names (not command names).
        t = self.term
        t.send_line("serve close")
        t.expect(r"^ {4}serve: ")
        t.send("lo\t")
        t.expect(r"cal")
        t.send("\t\r")  # a second Tab adds nothing: the answer is one word
        t.expect(r"(?m)^serve local closed\s*$")
        t.expect(PROMPT)
        t.send_line("use close")
        t.expect(r"^ {4}use: ")
        t.send("u70\t\r")
        t.expect(r"(?m)^use u700 closed\s*$")
        t.expect(PROMPT)
        # A question with nothing to offer completes nothing: not a command name.
        t.send_line("serve new")
        t.expect(r"^ {4}name: ")
        mark = t.cursor
        t.send("sh\t\t\r")
        t.expect(r"^ {4}serveid\(000\): ")  # the name was "sh"
        self.assertNotIn("show", t.since(mark))
        t.ctrl_c()
        t.expect(PROMPT_AFTER_CTRL_C, 5)

    def test_command_typed_while_a_log_line_arrives(self):
        t = self.term
        t.send("show us")
        t.expect("show us")
        # Somebody starts serving 700: this vnet opens use u700 and logs it
        # while the half-typed line sits at the prompt.
        self.echo_vnet("other", self.route_port, {"s": 700})
        t.expect(rf"use u700 listening on 127\.0\.0\.1:{self.u700} for serveid 700", 15)
        # The typed text is still there: finishing the word runs "show use".
        mark = t.cursor
        t.send("e\r")
        m = t.expect(USE_HEADER)
        out_start = m.start()
        p = t.expect(PROMPT)
        out = t.screen()[out_start:p.start()]
        self.assertNotIn("error", t.screen()[mark:p.start()])
        rows = table_after(USE_HEADER, out)
        self.assertEqual(row_by_key(rows, "u700"),
                         ["700", "u700", f"127.0.0.1:{self.u700}", "yes", "listening", "0"], out)
        self.wait_echo(self.u700, 5)

    def test_exit_command(self):
        self.echo_vnet("other", self.route_port, {"s": 700})
        self.wait_echo(self.u700, 15)
        self.term.send_line("exit")
        self.term.expect_exit = True
        self.assertEqual(self.term.wait_exit(10), 0)
        self.wait_until(lambda: port_refuses(self.u700), 5, "the use to close with the vnet")

    def test_ctrl_d_on_an_empty_line_exits(self):
        self.term.expect_exit = True
        self.term.ctrl_d()
        self.assertEqual(self.term.wait_exit(10), 0)

    def test_sigterm_exits_cleanly(self):
        self.term.expect_exit = True
        self.term.signal(signal.SIGTERM)
        self.assertEqual(self.term.wait_exit(10), 0)


class HistoryFileTest(TerminalCase):
    """The history is kept in $HOME/.vnet_history across runs."""

    def setUp(self):
        super().setUp()
        self.route, self.route_port = self.c.start_route()
        self.home = os.path.join(self.c.dir, "home")
        os.makedirs(self.home)

    def test_history_is_kept_across_runs(self):
        # ready=False: no settling ping, only what the test types is in the history.
        t, _ = self.terminal("term", self.route_port, home=self.home, ready=False)
        t.wait_ready()
        self.assertRegex(t.command("show vnet"), r"(?m)^\s*vnetid")
        self.assertRegex(t.command("ping"), r"answered in")
        t.send_line("exit")
        t.expect_exit = True
        self.assertEqual(t.wait_exit(10), 0)
        path = os.path.join(self.home, ".vnet_history")
        with open(path, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if not l.startswith("#")]
        self.assertEqual(lines, ["show vnet", "ping", "exit"])
        # A new run starts with that history: two back is "ping".
        t2, _ = self.terminal("term2", self.route_port, home=self.home, ready=False)
        t2.wait_ready()
        t2.send("\x1b[A\x1b[A\r")
        t2.expect(r"(?m)^route \S+ answered in")
        t2.expect(PROMPT)

    def test_an_unwritable_history_is_a_warning(self):
        # HOME names a directory that does not exist: no history file can be
        # made there (not even by root).
        self.home = os.path.join(self.c.dir, "no-such-dir")
        t, _ = self.terminal("term", self.route_port, home=self.home, ready=False)
        t.expect(r"history not kept across runs: .*\.vnet_history")
        t.wait_ready()
        self.assertRegex(t.command("ping"), r"answered in")
        self.assertRegex(t.command("show vnet"), r"(?m)^\s*vnetid")
        # Still a history for this run.
        t.send("\x1b[A\x1b[A\r")
        t.expect(r"(?m)^route \S+ answered in")
        t.expect(PROMPT)


class NoTerminalTest(TerminalCase):
    def test_a_vnet_without_terminal_says_typing_is_not_read(self):
        # A new user starts a terminal=false vnet by hand and types `show
        # use`: nothing reads it, and the vnet says so when it starts.
        _, route_port = self.c.start_route()
        term, _ = self.terminal("quiet", route_port, ready=False, vnet_keys={"terminal": False})
        term.expect(r"no terminal \(\[vnet\] terminal=false\): what is typed here is not read; "
                    r"set terminal = true for the >: prompt, or run commands with vnet ctl")


if __name__ == "__main__":
    unittest.main()
