// line_input on Windows (CMake picks this file instead of line_input.cpp):
// no readline for MinGW, so a console reads in its own cooked mode
// (ReadConsoleW: the console's line editing and Up-arrow history), a pipe or
// file by ReadFile, each on a reader thread that hands whole lines to the io
// thread. Not yet: Tab completion, log lines kept above the prompt, history
// across runs (issue 22).
#include <windows.h>

#include <cstdio>
#include <deque>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "vnet/terminal/line_input.hpp"

namespace vnet {
namespace {

// Shared with the reader thread, which outlives the line_input (a blocked
// ReadConsoleW cannot be cancelled portably): it is detached and ends with
// the process.
struct reader_state {
  std::mutex m;
  std::deque<input_result> lines;
  bool started = false;
  std::function<void()> wake;  // posts to the io thread; reset when line_input ends
};

reader_state& state() {
  static auto* s = new reader_state;  // never destroyed: the reader thread may still use it
  return *s;
}

std::string utf8(const wchar_t* w, int n) {
  if (n <= 0) return {};
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, w, n, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w, n, out.data(), size, nullptr, nullptr);
  return out;
}

void deliver(input_result r) {
  auto& s = state();
  std::function<void()> wake;
  {
    std::lock_guard lock(s.m);
    s.lines.push_back(std::move(r));
    wake = s.wake;
  }
  if (wake) wake();
}

void strip_line_end(std::string& line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
}

void console_reader(HANDLE in) {
  std::string line;
  wchar_t buf[1024];
  for (;;) {
    DWORD got = 0;
    if (!::ReadConsoleW(in, buf, 1024, &got, nullptr)) {
      if (::GetLastError() == ERROR_OPERATION_ABORTED) {  // Ctrl-C
        line.clear();
        deliver({input_status::interrupted, {}});
        continue;
      }
      break;
    }
    if (got == 0) {
      deliver({input_status::interrupted, {}});
      continue;
    }
    line += utf8(buf, static_cast<int>(got));
    if (line.size() == 1 && line[0] == 0x1a) break;  // Ctrl-Z, Enter: end of input
    if (line.find('\n') == std::string::npos) continue;
    strip_line_end(line);
    deliver({input_status::line, std::move(line)});
    line.clear();
  }
  deliver({input_status::eof, {}});
}

void stream_reader(HANDLE in) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    DWORD got = 0;
    if (!::ReadFile(in, chunk, sizeof chunk, &got, nullptr) || got == 0) break;
    buf.append(chunk, got);
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      strip_line_end(line);
      deliver({input_status::line, std::move(line)});
    }
  }
  if (!buf.empty()) {
    strip_line_end(buf);
    deliver({input_status::line, std::move(buf)});
  }
  deliver({input_status::eof, {}});
}

// The io thread waits for lines on a timer that the reader cancels.
std::optional<net::asio::steady_timer>& line_timer() {
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
  line_timer().emplace(ex, net::asio::steady_timer::time_point::max());
  auto& s = state();
  std::lock_guard lock(s.m);
  s.wake = [ex] {
    net::asio::post(ex, [] {
      if (line_timer()) line_timer()->cancel();
    });
  };
  if (s.started) return;
  s.started = true;
  HANDLE in = ::GetStdHandle(STD_INPUT_HANDLE);
  std::thread([in, tty = mode_ == mode::tty] { tty ? console_reader(in) : stream_reader(in); }).detach();
}

line_input::~line_input() {
  auto& s = state();
  std::lock_guard lock(s.m);
  s.wake = nullptr;
  line_timer().reset();
}

line_input::mode line_input::get_mode() const { return mode_; }

net::awaitable<input_result> line_input::read_line(std::string prompt, bool) {
  if (closed_ || pending_ || mode_ == mode::none) co_return input_result{};
  pending_ = true;
  result_.reset();
  if (mode_ == mode::tty) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
  }
  auto& s = state();
  for (;;) {
    {
      std::lock_guard lock(s.m);
      if (!s.lines.empty() && !result_) {
        result_ = std::move(s.lines.front());
        s.lines.pop_front();
        if (result_->status == input_status::eof) s.lines.push_back({input_status::eof, {}});  // stays at eof
      }
    }
    if (result_) break;
    line_timer()->expires_at(net::asio::steady_timer::time_point::max());
    co_await line_timer()->async_wait(net::use_nothrow);
  }
  pending_ = false;
  co_return *result_;
}

bool line_input::interrupt() {
  if (!pending_ || result_) return false;
  std::fputs("^C\n", stdout);
  std::fflush(stdout);
  finish(input_result{input_status::interrupted, {}});
  return true;
}

void line_input::close() {
  if (closed_) return;
  closed_ = true;
  finish(input_result{input_status::eof, {}});
}

void line_input::finish(input_result r) {
  if (!pending_ || result_) return;
  result_ = std::move(r);
  if (line_timer()) line_timer()->cancel();
}

void line_input::print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

void line_input::set_completer(completer c) { completer_ = std::move(c); }

void line_input::hook_logging() {}

std::optional<std::string> line_input::keep_history(std::string, int) { return std::nullopt; }

}  // namespace vnet
