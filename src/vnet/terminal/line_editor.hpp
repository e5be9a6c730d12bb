#pragma once
// The line editor of the Windows console (line_input_windows.cpp), which has
// no readline: prompt, cursor keys, history, Tab completion. It makes no
// console call: keys go in, and out comes the finished line and the text
// that redraws it, so that it is tested on every platform.
//
// The text it writes uses no escape sequences (the console may not process
// them): '\r' to go to the line's start, spaces to erase, '\b' to move the
// cursor left. One column per code point. Given the console's width
// (set_width), a line wider than it scrolls sideways on one row, so that the
// cursor stays in view and the console never wraps what is redrawn; Enter
// and Ctrl-C leave the whole line on the screen (wrapped by the console).
#include <cstddef>
#include <string>
#include <vector>

#include "vnet/terminal/line_input.hpp"

namespace vnet {

enum class edit_key { text, left, right, home, end, backspace, del, up, down, tab, enter, end_of_input };

struct key_press {
  edit_key key = edit_key::text;
  char32_t ch = 0;  // edit_key::text: the character
};

class line_editor {
 public:
  enum class state { editing, line, eof };

  // A new line: empty, the cursor after `prompt`, the history's newest entry
  // next for Up. Returns the text that shows the prompt.
  std::string start(std::string prompt);

  // One key. Appends to `out` what the screen needs (a redraw, a list of
  // completions, the newline after Enter). state::line: line() is the
  // typed line; state::eof: Ctrl-D or Ctrl-Z on an empty line.
  state press(const key_press& k, std::string& out);

  // The line as typed, UTF-8.
  std::string line() const;

  // Erases the prompt and the typed text; the cursor at the line's start
  // (for a log line printed above the prompt).
  std::string erase();

  // Prompt, typed text and cursor as they were, after erase().
  std::string redraw();

  // Ctrl-C: the text typed so far stays on the screen followed by "^C",
  // the line is discarded. Returns the text for the screen.
  std::string interrupt();

  void set_completer(line_input::completer c) { completer_ = std::move(c); }

  // The console's width in columns, for the next drawing (0, the default:
  // unknown, nothing scrolls).
  void set_width(std::size_t columns) { width_ = columns; }

  // Adds a line to the history (Up recalls it); at most `max` are kept.
  void remember(const std::string& line, std::size_t max = 1000);
  const std::vector<std::string>& history() const { return history_; }

 private:
  void complete(std::string& out);
  void show_history(std::size_t at);
  std::size_t room() const;  // columns for the text after the prompt
  void scroll_to_cursor();
  std::string whole_line();  // the line drawn for good, the cursor after it (Enter, Ctrl-C)

  std::string prompt_;
  std::u32string buf_;
  std::size_t cursor_ = 0;
  std::size_t shown_ = 0;  // columns drawn after the last redraw (prompt + text)
  std::size_t width_ = 0;  // the console's columns; 0: unknown
  std::size_t from_ = 0;   // the first character shown (the line scrolled sideways)
  bool drawn_ = false;
  std::vector<std::string> history_;
  std::size_t at_ = 0;     // the history entry shown; history_.size(): the line being typed
  std::u32string draft_;   // the line being typed while Up shows older ones
  bool tabbed_ = false;    // the last key was a Tab that completed nothing: the next one lists
  line_input::completer completer_;
};

}  // namespace vnet
