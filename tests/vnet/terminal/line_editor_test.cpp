// The Windows console's line editor, as a state machine: keys in; the line,
// and the text that draws it, out. The console calls around it
// (line_input_windows.cpp) are checked under Wine (test_windows_console.py).
#include "vnet/terminal/line_editor.hpp"

#include <gtest/gtest.h>

namespace vnet {
namespace {

key_press key(edit_key k) { return {k, 0}; }

// What the screen shows after `text` was written to it (one line; '\r' to
// its start, '\b' one column left, "\r\n" a new line) and where the cursor is.
// With a `width`, as the Windows console: a character written in the last
// column moves the cursor to the next row, which '\r' and '\b' do not leave.
struct screen {
  std::vector<std::string> lines{""};
  std::size_t col = 0;
  std::size_t width = 0;  // 0: unbounded
  void write(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\r') col = 0;
      else if (c == '\b') col -= col > 0;
      else if (c == '\n') lines.emplace_back(), col = 0;
      else {
        auto& l = lines.back();
        if (l.size() <= col) l.resize(col + 1, ' ');
        l[col++] = c;
        if (width && col == width) lines.emplace_back(), col = 0;
      }
    }
  }
  std::string last() const {
    auto l = lines.back();
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l;
  }
};

class LineEditor : public ::testing::Test {
 protected:
  void SetUp() override { out_.write(ed_.start(">: ")); }
  line_editor::state type(const std::string& text) {
    auto st = line_editor::state::editing;
    for (char c : text) st = press({edit_key::text, static_cast<char32_t>(c)});
    return st;
  }
  line_editor::state press(key_press k) {
    std::string out;
    auto st = ed_.press(k, out);
    out_.write(out);
    return st;
  }
  line_editor ed_;
  screen out_;
};

TEST_F(LineEditor, TypedTextAndEnterGiveTheLine) {
  EXPECT_EQ(out_.last(), ">:");
  type("show serve");
  EXPECT_EQ(out_.last(), ">: show serve");
  EXPECT_EQ(out_.col, 13u);
  EXPECT_EQ(press(key(edit_key::enter)), line_editor::state::line);
  EXPECT_EQ(ed_.line(), "show serve");
  EXPECT_EQ(out_.lines.size(), 2u);  // Enter moved to a new line
}

TEST_F(LineEditor, CursorKeysEditInsideTheLine) {
  type("shw serv");
  press(key(edit_key::home));
  EXPECT_EQ(out_.col, 3u);
  press(key(edit_key::right));
  press(key(edit_key::right));
  type("o");
  press(key(edit_key::end));
  type("e");
  EXPECT_EQ(out_.last(), ">: show serve");
  press(key(edit_key::left));
  press(key(edit_key::backspace));  // the 'v'
  press(key(edit_key::del));        // the 'e'
  EXPECT_EQ(out_.last(), ">: show ser");  // the erased columns are blanked
  EXPECT_EQ(out_.col, 11u);
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "show ser");
}

TEST_F(LineEditor, UpAndDownWalkTheHistoryAndKeepTheDraft) {
  ed_.remember("show serve");
  ed_.remember("show use");
  out_.write(ed_.start(">: "));
  type("inf");
  press(key(edit_key::up));
  EXPECT_EQ(out_.last(), ">: show use");
  press(key(edit_key::up));
  press(key(edit_key::up));  // no older one: stays
  EXPECT_EQ(out_.last(), ">: show serve");
  press(key(edit_key::down));
  press(key(edit_key::down));
  EXPECT_EQ(out_.last(), ">: inf");
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "inf");
}

TEST_F(LineEditor, TheHistoryKeepsTheNewestLines) {
  for (int i = 0; i < 5; ++i) ed_.remember("cmd" + std::to_string(i), 3);
  EXPECT_EQ(ed_.history(), (std::vector<std::string>{"cmd2", "cmd3", "cmd4"}));
  ed_.remember("");  // an empty line is not remembered
  EXPECT_EQ(ed_.history().size(), 3u);
}

TEST_F(LineEditor, TabCompletesFromTheCompleterWithTheWordsBefore) {
  std::vector<std::string> seen_before;
  std::string seen_prefix;
  ed_.set_completer([&](const std::vector<std::string>& before, const std::string& prefix) {
    seen_before = before;
    seen_prefix = prefix;
    if (before.empty()) return line_input::completion{{"show", "serve", "save"}};
    return line_input::completion{{"serve", "use"}};
  });
  type("sh");
  press(key(edit_key::tab));
  EXPECT_EQ(out_.last(), ">: show");  // one candidate: completed, a space after it
  EXPECT_EQ(out_.col, 8u);
  EXPECT_TRUE(seen_before.empty());
  EXPECT_EQ(seen_prefix, "sh");
  type("u");
  press(key(edit_key::tab));
  EXPECT_EQ(seen_before, std::vector<std::string>{"show"});
  EXPECT_EQ(seen_prefix, "u");
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "show use ");
}

TEST_F(LineEditor, SeveralCandidatesCompleteTheirCommonStartAndASecondTabListsThem) {
  ed_.set_completer([](const std::vector<std::string>&, const std::string&) {
    return line_input::completion{{"serve", "save", "show"}};
  });
  type("s");
  press(key(edit_key::tab));
  EXPECT_EQ(out_.last(), ">: s");
  EXPECT_EQ(out_.lines.size(), 1u);  // the first Tab lists nothing
  press(key(edit_key::tab));
  ASSERT_EQ(out_.lines.size(), 2u);
  EXPECT_EQ(out_.lines[0], "serve  save  show");
  EXPECT_EQ(out_.last(), ">: s");  // the prompt and typed text drawn again below
  type("e");
  press(key(edit_key::tab));
  EXPECT_EQ(out_.last(), ">: serve");
  EXPECT_EQ(out_.col, 9u);
}

TEST_F(LineEditor, AWholeAnswerGetsNoSpaceAfterIt) {
  ed_.set_completer([](const std::vector<std::string>&, const std::string&) {
    return line_input::completion{{"web"}, false, true};
  });
  type("w");
  press(key(edit_key::tab));
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "web");
}

// A log line while the user types: erase, the log line, then prompt, text
// and cursor as they were.
TEST_F(LineEditor, ALogLineAboveThePromptKeepsTheTypedTextAndCursor) {
  type("show serve");
  press(key(edit_key::left));
  press(key(edit_key::left));
  out_.write(ed_.erase());
  EXPECT_EQ(out_.last(), "");
  EXPECT_EQ(out_.col, 0u);
  out_.write("[info] a log line\r\n");
  out_.write(ed_.redraw());
  ASSERT_EQ(out_.lines.size(), 2u);
  EXPECT_EQ(out_.lines[0], "[info] a log line");
  EXPECT_EQ(out_.last(), ">: show serve");
  EXPECT_EQ(out_.col, 11u);
  type("X");
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "show serXve");
}

TEST_F(LineEditor, CtrlCDiscardsTheLineAndEndOfInputEndsOnlyAnEmptyOne) {
  type("show");
  EXPECT_EQ(press(key(edit_key::end_of_input)), line_editor::state::editing);
  out_.write(ed_.interrupt());
  EXPECT_EQ(out_.lines[0], ">: show^C");
  out_.write(ed_.start(">: "));
  EXPECT_EQ(out_.last(), ">:");
  EXPECT_EQ(press(key(edit_key::end_of_input)), line_editor::state::eof);
}

TEST_F(LineEditor, NonAsciiTextTakesOneColumnPerCharacter) {
  press({edit_key::text, U'\u00e9'});
  press({edit_key::text, U'\U0001F600'});
  press(key(edit_key::left));
  press(key(edit_key::backspace));
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "\U0001F600");
}

// A console 20 columns wide: ">: " and 16 columns of text, the last column
// kept empty so that the console never wraps a redraw.
class NarrowConsole : public LineEditor {
 protected:
  void SetUp() override {
    out_.width = 20;
    ed_.set_width(20);
    out_.write(ed_.start(">: "));
  }
};

TEST_F(NarrowConsole, ALongLineScrollsSidewaysOnOneRowWithTheCursorInView) {
  type("show serve abcdefghijklmnop");  // 27 characters
  ASSERT_EQ(out_.lines.size(), 1u);     // never wrapped
  EXPECT_EQ(out_.last(), ">: abcdefghijklmnop");  // its last 16, the cursor after them
  EXPECT_EQ(out_.col, 19u);
  press(key(edit_key::home));
  EXPECT_EQ(out_.last(), ">: show serve abcde");
  EXPECT_EQ(out_.col, 3u);
  press(key(edit_key::end));
  EXPECT_EQ(out_.last(), ">: abcdefghijklmnop");
  for (int i = 0; i < 16; ++i) press(key(edit_key::left));  // within the view: no scrolling
  EXPECT_EQ(out_.last(), ">: abcdefghijklmnop");
  EXPECT_EQ(out_.col, 3u);
  press(key(edit_key::left));  // one more: the view follows by one
  EXPECT_EQ(out_.last(), ">:  abcdefghijklmno");
  EXPECT_EQ(out_.col, 3u);
  ASSERT_EQ(out_.lines.size(), 1u);
}

TEST_F(NarrowConsole, EditsInsideAScrolledLineAndAShorterLineComesBackWhole) {
  type("show serve abcdefghijklmnop");
  press(key(edit_key::home));
  type("x");
  EXPECT_EQ(out_.last(), ">: xshow serve abcd");
  EXPECT_EQ(out_.col, 4u);
  press(key(edit_key::del));
  press(key(edit_key::end));
  for (int i = 0; i < 11; ++i) press(key(edit_key::backspace));  // 16 characters left: they fit
  EXPECT_EQ(out_.last(), ">: xhow serve abcde");  // from its start again
  EXPECT_EQ(out_.col, 19u);
  ASSERT_EQ(out_.lines.size(), 1u);
  press(key(edit_key::enter));
  EXPECT_EQ(ed_.line(), "xhow serve abcde");
}

// Enter leaves the whole line on the screen, wrapped by the console, and a
// log line above a scrolled line redraws the same view.
TEST_F(NarrowConsole, EnterWritesTheWholeLineAndALogLineKeepsTheView) {
  type("show serve abcdefghijklmnop");
  press(key(edit_key::left));
  out_.write(ed_.erase());
  out_.write("[info] log\r\n");
  out_.write(ed_.redraw());
  EXPECT_EQ(out_.last(), ">: abcdefghijklmnop");
  EXPECT_EQ(out_.col, 18u);
  EXPECT_EQ(press(key(edit_key::enter)), line_editor::state::line);
  EXPECT_EQ(ed_.line(), "show serve abcdefghijklmnop");
  ASSERT_EQ(out_.lines.size(), 4u);
  EXPECT_EQ(out_.lines[1], ">: show serve abcdef");
  EXPECT_EQ(out_.lines[2], "ghijklmnop");
  EXPECT_EQ(out_.last(), "");  // the cursor on a new row
}

TEST_F(NarrowConsole, CtrlCLeavesTheWholeLineAndItsMark) {
  type("show serve abcdefghijklmnop");
  press(key(edit_key::home));
  out_.write(ed_.interrupt());
  ASSERT_EQ(out_.lines.size(), 3u);
  EXPECT_EQ(out_.lines[0], ">: show serve abcdef");
  EXPECT_EQ(out_.lines[1], "ghijklmnop^C");
  out_.write(ed_.start(">: "));
  EXPECT_EQ(out_.last(), ">:");
}

}  // namespace
}  // namespace vnet
