// line_input on Windows (CMake picks this file instead of line_input.cpp):
// no readline for MinGW. A console is read key by key (ReadConsoleInputW)
// and edited by line_editor (prompt, cursor keys, history, Tab completion,
// log lines above the prompt); a pipe or file by ReadFile. Each is read on
// a thread that hands keys or whole lines to the io thread.
#include <windows.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "vnet/terminal/above_prompt_sink.hpp"
#include "vnet/terminal/console_keys_windows.hpp"
#include "vnet/terminal/line_editor.hpp"
#include "vnet/terminal/line_input.hpp"

namespace vnet {
namespace {

// A key from the console, or a line (or the end) from a pipe or file.
struct input_event {
  bool is_key = false;
  key_press key;
  input_result result;
};

// Shared with the reader thread, which outlives the line_input (a blocked
// read cannot be cancelled portably): it is detached and ends with the
// process.
struct reader_state {
  std::mutex m;
  std::deque<input_event> events;
  bool started = false;
  DWORD console_mode = 0;      // the console's input mode before ours
  std::function<void()> wake;  // posts to the io thread; reset when line_input ends
};

reader_state& state() {
  static auto* s = new reader_state;  // never destroyed: the reader thread may still use it
  return *s;
}

void deliver(std::vector<input_event> batch) {
  auto& s = state();
  std::function<void()> wake;
  {
    std::lock_guard lock(s.m);
    for (auto& e : batch) s.events.push_back(std::move(e));
    wake = s.wake;
  }
  if (wake) wake();
}

// The console's width in columns (its screen buffer's, where it wraps); 0
// when stdout is no console. Asked before each drawing: the window may have
// been resized.
std::size_t console_width() {
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (!::GetConsoleScreenBufferInfo(::GetStdHandle(STD_OUTPUT_HANDLE), &info) || info.dwSize.X <= 0) return 0;
  return static_cast<std::size_t>(info.dwSize.X);
}

void strip_line_end(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

void console_reader(HANDLE in) {
  wchar_t high_surrogate = 0;
  INPUT_RECORD records[64];
  for (;;) {
    DWORD got = 0;
    if (!::ReadConsoleInputW(in, records, 64, &got)) break;
    std::vector<input_event> batch;
    for (DWORD i = 0; i < got; ++i) {
      if (records[i].EventType != KEY_EVENT || !records[i].Event.KeyEvent.bKeyDown) continue;
      const auto& k = records[i].Event.KeyEvent;
      if (auto key = editor_key(k, high_surrogate))
        for (WORD n = 0; n < std::max<WORD>(k.wRepeatCount, 1); ++n) batch.push_back({true, *key, {}});
    }
    if (!batch.empty()) deliver(std::move(batch));
  }
  deliver({input_event{false, {}, {input_status::eof, {}}}});
}

void stream_reader(HANDLE in) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(in, chunk, sizeof chunk, &got, nullptr) || got == 0) break;
    buf.append(chunk, got);
    std::vector<input_event> batch;
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      strip_line_end(line);
      batch.push_back({false, {}, {input_status::line, std::move(line)}});
    }
    deliver(std::move(batch));
  }
  std::vector<input_event> last;
  if (!buf.empty()) {
    strip_line_end(buf);
    last.push_back({false, {}, {input_status::line, std::move(buf)}});
  }
  last.push_back({false, {}, {input_status::eof, {}}});
  deliver(std::move(last));
}

// The io thread waits for input on a timer that the reader cancels.
std::optional<net::asio::steady_timer>& input_timer() {
  static std::optional<net::asio::steady_timer> t;
  return t;
}

}  // namespace

line_input::mode line_input::detect(std::string& why) {
  HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  if (in == nullptr || in == INVALID_HANDLE_VALUE) {
    why = "stdin is closed";
    return mode::none;
  }
  const DWORD type = ::GetFileType(in);
  DWORD console_mode = 0;
  if (type == FILE_TYPE_CHAR && ::GetConsoleMode(in, &console_mode)) return mode::tty;
  if (type == FILE_TYPE_PIPE || type == FILE_TYPE_DISK) return mode::stream;
  why = type == FILE_TYPE_CHAR ? "stdin is NUL" : "stdin is unreadable";
  return mode::none;
}

line_input::line_input(net::asio::any_io_executor ex, mode m) : mode_(m) {
  if (mode_ == mode::none) return;
  if (mode_ == mode::tty) editor_ = std::make_unique<line_editor>();
  input_timer().emplace(ex, net::asio::steady_timer::time_point::max());
  auto& s = state();
  std::lock_guard lock(s.m);
  s.wake = [ex] {
    net::asio::post(ex, [] {
      if (input_timer()) input_timer()->cancel();
    });
  };
  if (s.started) return;
  s.started = true;
  HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  if (mode_ == mode::tty && ::GetConsoleMode(in, &s.console_mode)) {
    // Keys as they are typed, no echo: the editor draws. Ctrl-C stays a
    // console event (the daemon's interrupt, then interrupt() here).
    const DWORD raw = (s.console_mode & ~(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_WINDOW_INPUT |
                                          ENABLE_MOUSE_INPUT)) | ENABLE_PROCESSED_INPUT;
    ::SetConsoleMode(in, raw);
  }
  std::thread([in, tty = mode_ == mode::tty] { tty ? console_reader(in) : stream_reader(in); }).detach();
}

line_input::~line_input() {
  if (hooked_) hooked_->sinks() = original_sinks_;
  if (prompt_shown()) write(editor_->erase());
  auto& s = state();
  std::lock_guard lock(s.m);
  s.wake = nullptr;
  input_timer().reset();
  if (mode_ == mode::tty && s.console_mode) ::SetConsoleMode(::GetStdHandle(STD_INPUT_HANDLE), s.console_mode);
}

line_input::mode line_input::get_mode() const { return mode_; }

void line_input::write(std::string_view text) {
  std::fflush(stdout);  // what print() wrote first
  HANDLE out = ::GetStdHandle(STD_OUTPUT_HANDLE);
  DWORD console_mode = 0;
  if (!::GetConsoleMode(out, &console_mode)) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  const int n = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
  DWORD done = 0;
  ::WriteConsoleW(out, wide.data(), static_cast<DWORD>(wide.size()), &done, nullptr);
}

net::awaitable<input_result> line_input::read_line(std::string prompt, bool add_to_history) {
  if (closed_ || pending_ || mode_ == mode::none) co_return input_result{};
  pending_ = true;
  result_.reset();
  if (editor_) {
    editor_->set_width(console_width());
    write(editor_->start(std::move(prompt)));
  }
  auto& s = state();
  while (!result_) {
    std::optional<input_event> e;
    {
      std::lock_guard lock(s.m);
      if (!s.events.empty()) {
        e = s.events.front();
        // The end of input stays queued: later reads return eof too. Keys
        // past the end of this line stay for the next read.
        if (e->is_key || e->result.status != input_status::eof) s.events.pop_front();
      }
    }
    if (!e) {
      input_timer()->expires_at(net::asio::steady_timer::time_point::max());
      co_await input_timer()->async_wait(net::use_nothrow);
      continue;
    }
    if (!e->is_key) {
      result_ = std::move(e->result);
      break;
    }
    std::string out;
    editor_->set_width(console_width());
    const auto st = editor_->press(e->key, out);
    write(out);
    if (st == line_editor::state::line) {
      result_ = input_result{input_status::line, editor_->line()};
      if (add_to_history && !result_->text.empty()) remember(result_->text);
    } else if (st == line_editor::state::eof) {
      result_ = input_result{};
    }
  }
  pending_ = false;
  co_return *result_;
}

bool line_input::prompt_shown() const { return mode_ == mode::tty && pending_ && !result_; }

bool line_input::hide_prompt() {
  // The editor is the io thread's: from another thread, just let the text through.
  if (!prompt_shown() || std::this_thread::get_id() != owner_) return false;
  write(editor_->erase());
  return true;
}

void line_input::show_prompt() {
  editor_->set_width(console_width());
  write(editor_->redraw());
}

bool line_input::interrupt() {
  if (!prompt_shown()) return false;
  write(editor_->interrupt());
  finish(input_result{input_status::interrupted, {}});
  return true;
}

void line_input::close() {
  if (closed_) return;
  closed_ = true;
  hide_prompt();
  finish(input_result{input_status::eof, {}});
}

void line_input::finish(input_result r) {
  if (!pending_ || result_) return;
  result_ = std::move(r);
  if (input_timer()) input_timer()->cancel();
}

void line_input::print(std::string_view text) {
  const bool hidden = hide_prompt();
  std::string line(text);
  if (line.empty() || line.back() != '\n') line += '\n';
  write(line);
  if (hidden) show_prompt();
}

void line_input::set_completer(completer c) {
  if (editor_) editor_->set_completer(c);
  completer_ = std::move(c);
}

void line_input::hook_logging() {
  if (mode_ != mode::tty || hooked_) return;
  hooked_ = spdlog::default_logger();
  original_sinks_ = hooked_->sinks();
  for (auto& s : hooked_->sinks()) s = std::make_shared<above_prompt_sink>(s, this);
}

std::optional<std::string> line_input::keep_history(std::string path, int max_lines) {
  if (mode_ != mode::tty) return std::nullopt;
  std::vector<std::string> lines;
  {
    std::ifstream in(path, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      strip_line_end(line);
      if (!line.empty()) lines.push_back(std::move(line));
    }
  }
  const auto max = static_cast<std::size_t>(max_lines);
  if (lines.size() > max) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max));
  for (const auto& l : lines) editor_->remember(l, max);
  // Rewritten now, kept to the last max_lines, and created if missing: a
  // file that cannot be written fails here, once.
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
  out.flush();
  if (!out) return path + ": cannot write";
  history_file_ = std::move(path);
  return std::nullopt;
}

void line_input::remember(const std::string& line) {
  editor_->remember(line);
  if (history_file_.empty()) return;
  std::ofstream out(history_file_, std::ios::binary | std::ios::app);
  out << line << '\n';
  out.flush();
  if (out) return;
  spdlog::warn("history not saved: {}", history_file_);
  history_file_.clear();  // warned once; the history still works for this run
}

}  // namespace vnet
