#include "vnet/terminal/line_editor.hpp"

#include <algorithm>
#include <sstream>

namespace vnet {
namespace {

std::u32string decode(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int extra = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    char32_t cp = extra ? c & (0x3f >> extra) : c;
    ++i;
    for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3f);
    out.push_back(cp);
  }
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

bool is_space(char32_t c) { return c == U' ' || c == U'\t'; }

}  // namespace

std::string line_editor::start(std::string prompt) {
  prompt_ = std::move(prompt);
  buf_.clear();
  draft_.clear();
  cursor_ = 0;
  shown_ = from_ = 0;
  at_ = history_.size();
  tabbed_ = false;
  drawn_ = true;
  return redraw();
}

std::string line_editor::line() const { return encode(buf_); }

std::string line_editor::erase() {
  std::string out = "\r" + std::string(shown_, ' ') + "\r";
  shown_ = 0;
  return out;
}

// The console's last column stays empty: a character written there would
// wrap the cursor to the next row, where '\r' and '\b' cannot reach back.
std::size_t line_editor::room() const {
  if (width_ == 0) return std::u32string::npos;
  const std::size_t prompt = decode(prompt_).size();
  return width_ > prompt + 2 ? width_ - prompt - 1 : 1;
}

// The text shown is buf_[from_, from_ + room()): as much of the line as fits,
// with the cursor in it (its column may be the one after the last character).
void line_editor::scroll_to_cursor() {
  const std::size_t r = room();
  if (r == std::u32string::npos) {
    from_ = 0;
    return;
  }
  from_ = std::min(from_, buf_.size() > r ? buf_.size() - r : 0);  // no blank room left of the end
  from_ = std::min(from_, cursor_);
  if (cursor_ > from_ + r) from_ = cursor_ - r;
}

std::string line_editor::redraw() {
  scroll_to_cursor();
  const std::size_t n = std::min(buf_.size() - from_, room());
  const std::size_t width = decode(prompt_).size() + n;
  const std::size_t pad = shown_ > width ? shown_ - width : 0;
  std::string out = "\r" + prompt_ + encode(buf_.substr(from_, n)) + std::string(pad, ' ');
  out.append(pad + from_ + n - cursor_, '\b');
  shown_ = width;
  return out;
}

// A line scrolled sideways is written whole, over what was shown (never
// wider), and the console wraps it: the screen keeps what was typed.
std::string line_editor::whole_line() {
  cursor_ = buf_.size();
  return buf_.size() > room() ? "\r" + prompt_ + encode(buf_) : redraw();
}

std::string line_editor::interrupt() {
  std::string out = whole_line() + "^C\r\n";
  buf_.clear();
  cursor_ = shown_ = from_ = 0;
  return out;
}

line_editor::state line_editor::press(const key_press& k, std::string& out) {
  const bool was_tab = tabbed_;
  tabbed_ = false;
  switch (k.key) {
    case edit_key::text:
      if (k.ch < 0x20 || k.ch == 0x7f) return state::editing;  // other control keys: nothing
      buf_.insert(cursor_++, 1, k.ch);
      break;
    case edit_key::left:
      if (cursor_ > 0) --cursor_;
      break;
    case edit_key::right:
      if (cursor_ < buf_.size()) ++cursor_;
      break;
    case edit_key::home:
      cursor_ = 0;
      break;
    case edit_key::end:
      cursor_ = buf_.size();
      break;
    case edit_key::backspace:
      if (cursor_ > 0) buf_.erase(--cursor_, 1);
      break;
    case edit_key::del:
      if (cursor_ < buf_.size()) buf_.erase(cursor_, 1);
      break;
    case edit_key::up:
      if (at_ > 0) show_history(at_ - 1);
      break;
    case edit_key::down:
      if (at_ < history_.size()) show_history(at_ + 1);
      break;
    case edit_key::tab:
      tabbed_ = was_tab;
      complete(out);
      return state::editing;
    case edit_key::enter:
      out += whole_line() + "\r\n";
      shown_ = from_ = 0;
      return state::line;
    case edit_key::end_of_input:
      if (!buf_.empty()) return state::editing;  // Ctrl-D deletes nothing here; it ends only an empty line
      out += "\r\n";
      shown_ = 0;
      return state::eof;
  }
  out += redraw();
  return state::editing;
}

void line_editor::show_history(std::size_t at) {
  if (at_ == history_.size()) draft_ = buf_;
  at_ = at;
  buf_ = at_ == history_.size() ? draft_ : decode(history_[at_]);
  cursor_ = buf_.size();
}

void line_editor::remember(const std::string& line, std::size_t max) {
  if (line.empty()) return;
  history_.push_back(line);
  if (history_.size() > max) history_.erase(history_.begin(), history_.end() - static_cast<std::ptrdiff_t>(max));
  at_ = history_.size();
}

// As readline with line_input's completer: the words before the cursor's
// word, and its start as the prefix. One candidate: completed (and a space
// after it unless it is a whole answer); several: their common start, and a
// second Tab lists them.
void line_editor::complete(std::string& out) {
  if (!completer_) return;
  std::size_t start = cursor_;
  while (start > 0 && !is_space(buf_[start - 1])) --start;
  const std::string prefix = encode(buf_.substr(start, cursor_ - start));
  std::vector<std::string> words;
  std::istringstream before(encode(buf_.substr(0, start)));
  for (std::string w; before >> w;) words.push_back(w);
  line_input::completion c;
  try {
    c = completer_(words, prefix);
  } catch (...) {  // a completer that fails completes nothing
    return;
  }
  std::vector<std::string> matches;
  for (auto& m : c.candidates)
    if (m.starts_with(prefix) && std::find(matches.begin(), matches.end(), m) == matches.end())
      matches.push_back(std::move(m));
  if (matches.empty()) return;
  std::string common = matches.front();
  for (const auto& m : matches) {
    std::size_t n = 0;
    while (n < common.size() && n < m.size() && common[n] == m[n]) ++n;
    common.resize(n);
  }
  std::u32string add = decode(common.substr(prefix.size()));
  if (matches.size() == 1 && !c.whole_answer) add.push_back(U' ');
  if (!add.empty()) {
    buf_.insert(cursor_, add);
    cursor_ += add.size();
    out += redraw();
    return;
  }
  if (!tabbed_) {  // nothing to add: the next Tab lists the candidates
    tabbed_ = true;
    return;
  }
  std::string list;
  for (const auto& m : matches) list += (list.empty() ? "" : "  ") + m;
  out += erase() + list + "\r\n" + redraw();
  tabbed_ = false;
}

}  // namespace vnet
