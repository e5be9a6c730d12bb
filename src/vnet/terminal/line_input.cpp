// Line input for the vnet terminal: readline's callback interface driven by the
// io thread (tty), or plain line reads (stream).
#include "vnet/terminal/line_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <readline/history.h>
#include <readline/readline.h>
#include <spdlog/spdlog.h>

#include "vnet/terminal/above_prompt_sink.hpp"

namespace vnet {

namespace asio = net::asio;

namespace {
line_input* active = nullptr;  // the line_input readline's C callbacks serve

void strip_cr(std::string& s) {
  if (!s.empty() && s.back() == '\r') s.pop_back();
}
}  // namespace

line_input::mode line_input::detect(std::string& why) {
  struct stat st {}, null {};
  int flags = ::fcntl(0, F_GETFL);
  if (flags == -1 || ::fstat(0, &st) != 0)
    why = "stdin is closed";
  else if ((flags & O_ACCMODE) == O_WRONLY)
    why = "stdin is not open for reading";
  else if (::isatty(0))
    return mode::tty;
  else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode))
    return mode::stream;
  else if (S_ISCHR(st.st_mode) && ::stat("/dev/null", &null) == 0 && null.st_rdev == st.st_rdev)
    why = "stdin is /dev/null";
  else
    why = S_ISCHR(st.st_mode) ? "stdin is a character device, not a terminal" : "stdin is not a pipe or file";
  return mode::none;
}

line_input::line_input(asio::any_io_executor ex, mode m) : mode_(m) {
  if (mode_ == mode::none) return;
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: the epoll fd is readable while stdin is
  if (ep >= 0 && ::epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == 0) {
    ready_.emplace(ex, ep);
  } else {
    int err = errno;
    if (ep >= 0) ::close(ep);
    if (err != EPERM) {  // EPERM: a regular file, whose reads never block
      spdlog::error("terminal: cannot watch stdin: {}", std::strerror(err));
      closed_ = true;
    }
  }
  if (mode_ != mode::tty) return;
  // Ctrl-C makes the tty discard unread input. If that happens after stdin
  // was seen readable and before readline reads, readline's read blocks
  // until the next key, and with it the io thread that would handle the
  // SIGINT: the terminal froze. NOFLSH keeps the input, so a readable stdin
  // stays readable.
  termios t{};
  if (::tcgetattr(0, &t) == 0 && !(t.c_lflag & NOFLSH)) {
    t.c_lflag |= NOFLSH;
    set_noflsh_ = ::tcsetattr(0, TCSANOW, &t) == 0;
  }
  rl_readline_name = "vnet";
  rl_instream = stdin;
  rl_outstream = stdout;
  rl_catch_signals = rl_catch_sigwinch = 0;  // Asio owns the signals (SIGINT: interrupt())
  rl_change_environment = 0;                  // do not export LINES and COLUMNS
  rl_completer_word_break_characters = " \t\n";
  rl_attempted_completion_function = &on_complete;
  rl_initialize();
  active = this;
  winch_.emplace(ex, SIGWINCH);  // watched only while a read is pending (holds no work)
}

line_input::~line_input() {
  if (hooked_) hooked_->sinks() = original_sinks_;
  if (mode_ != mode::tty) return;
  if (hide_prompt()) rl_callback_handler_remove();  // restores the terminal modes
  termios t{};
  if (set_noflsh_ && ::tcgetattr(0, &t) == 0) {
    t.c_lflag &= ~NOFLSH;
    ::tcsetattr(0, TCSANOW, &t);
  }
  rl_attempted_completion_function = nullptr;
  if (active == this) active = nullptr;
}

line_input::mode line_input::get_mode() const { return mode_; }

net::awaitable<input_result> line_input::read_line(std::string prompt, bool add_to_history) {
  if (closed_ || pending_ || mode_ == mode::none) co_return input_result{};
  pending_ = true;
  history_ = add_to_history;
  result_.reset();
  try {
    if (mode_ == mode::tty) {
      auto r = co_await read_tty(prompt);
      pending_ = false;
      co_return r;
    }
    auto r = co_await read_stream();
    pending_ = false;
    co_return r;
  } catch (...) {  // the awaiting coroutine was cancelled: leave the terminal clean
    abandon(input_status::interrupted);
    pending_ = false;
    throw;
  }
}

net::awaitable<input_result> line_input::read_tty(const std::string& prompt) {
  active = this;
  using_history();  // up-arrow starts from the newest entry
  rl_reset_screen_size();
  rl_callback_handler_install(prompt.c_str(), &on_line);
  watch_winch();
  while (!result_) {
    auto ec = co_await wait_readable();
    if (result_) break;
    if (ec)
      abandon(ec == asio::error::operation_aborted ? input_status::interrupted : input_status::eof);
    else
      rl_callback_read_char();  // may call on_line
  }
  co_return *result_;
}

net::awaitable<input_result> line_input::read_stream() {
  for (;;) {
    auto nl = buf_.find('\n');
    if (nl != std::string::npos || eof_) {  // at eof, a last line without '\n' is still a line
      if (buf_.empty()) co_return input_result{};
      input_result r{input_status::line, buf_.substr(0, nl)};
      buf_.erase(0, nl == std::string::npos ? nl : nl + 1);
      strip_cr(r.text);
      co_return r;
    }
    auto ec = co_await wait_readable();
    if (result_) co_return *result_;
    if (ec) co_return input_result{ec == asio::error::operation_aborted ? input_status::interrupted
                                                                        : input_status::eof, {}};
    char chunk[4096];
    ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n > 0)
      buf_.append(chunk, static_cast<std::size_t>(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
      eof_ = true;
  }
}

net::awaitable<net::error_code> line_input::wait_readable() {
  if (!ready_) co_return net::error_code{};  // a regular file: reads never block
  for (;;) {
    auto r = co_await ready_->async_wait(descriptor::wait_read, net::use_nothrow);
    auto ec = std::get<0>(r);
    if (ec || result_) co_return ec;
    pollfd p{0, POLLIN, 0};
    if (::poll(&p, 1, 0) > 0) co_return ec;  // data, hang-up or error: read() won't block
  }
}

void line_input::finish(input_result r) {
  if (!pending_ || result_) return;
  if (mode_ == mode::tty) {
    rl_callback_handler_remove();  // back to normal terminal modes
    winch_->cancel();
  }
  result_ = std::move(r);
  if (ready_) ready_->cancel();  // wakes wait_readable()
}

void line_input::on_line(char* line) {
  input_result r;  // eof: Ctrl-D on an empty line
  if (line) {
    r = {input_status::line, line};
    std::free(line);
    strip_cr(r.text);
    if (active->history_ && !r.text.empty()) active->remember(r.text);
  } else if (const char* bp = rl_variable_value("enable-bracketed-paste"); !bp || std::strcmp(bp, "on")) {
    std::fputc('\n', rl_outstream);  // readline >= 8.1 ends the line itself only with bracketed paste
    std::fflush(rl_outstream);
  }
  active->finish(std::move(r));
}

bool line_input::interrupt() {
  if (!prompt_shown()) return false;
  rl_point = rl_end;  // "^C" goes after the whole typed text, as in a shell
  rl_redisplay();
  std::fputs("^C\n", rl_outstream);
  std::fflush(rl_outstream);
  rl_callback_sigcleanup();  // e.g. an incremental search in progress
  rl_free_line_state();
  rl_replace_line("", 0);
  finish(input_result{input_status::interrupted, {}});
  return true;
}

void line_input::close() {
  if (closed_) return;
  closed_ = true;
  abandon(input_status::eof);
}

void line_input::abandon(input_status s) {
  hide_prompt();
  finish(input_result{s, {}});
}

bool line_input::prompt_shown() const { return mode_ == mode::tty && pending_ && !result_; }

bool line_input::hide_prompt() {
  // readline is not thread-safe: from another thread, just let the text through.
  if (!prompt_shown() || std::this_thread::get_id() != owner_) return false;
  rl_clear_visible_line();
  std::fflush(rl_outstream);
  return true;
}

void line_input::show_prompt() {
  rl_forced_update_display();  // prompt, text and cursor position as they were
  std::fflush(rl_outstream);
}

void line_input::print(std::string_view text) {
  bool hidden = hide_prompt();
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (text.empty() || text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
  if (hidden) show_prompt();
}

void line_input::watch_winch() {
  winch_->async_wait([this](net::error_code ec, int) {
    if (ec || !prompt_shown()) return;  // cancelled by finish(), or gone; no prompt: see read_tty()
    rl_resize_terminal();               // also redraws the line
    watch_winch();
  });
}

void line_input::set_completer(completer c) { completer_ = std::move(c); }

char** line_input::on_complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // no file names unless the completer asks for them
  std::vector<std::string> words;
  std::istringstream before(std::string(rl_line_buffer, static_cast<std::size_t>(start)));
  for (std::string w; before >> w;) words.push_back(w);
  auto& matches = active->matches_;
  matches.clear();
  bool file_names = false;
  rl_completion_append_character = ' ';
  if (active->completer_) {
    std::string prefix = text;
    try {
      auto c = active->completer_(words, prefix);
      file_names = c.file_names;
      if (c.whole_answer) rl_completion_append_character = '\0';
      for (auto& m : c.candidates)
        if (m.starts_with(prefix) && std::find(matches.begin(), matches.end(), m) == matches.end())
          matches.push_back(std::move(m));
    } catch (...) {  // must not unwind through readline: no completion
    }
  }
  if (matches.empty()) {
    if (file_names) rl_attempted_completion_over = 0;
    return nullptr;
  }
  return rl_completion_matches(text, &next_match);
}

char* line_input::next_match(const char*, int state) {
  static std::size_t next = 0;
  if (state == 0) next = 0;
  const auto& matches = active->matches_;
  return next < matches.size() ? ::strdup(matches[next++].c_str()) : nullptr;
}

std::optional<std::string> line_input::keep_history(std::string path, int max_lines) {
  if (mode_ != mode::tty) return std::nullopt;
  stifle_history(max_lines);
  history_file_ = std::move(path);
  int err = read_history(history_file_.c_str());
  if (err == ENOENT) err = write_history(history_file_.c_str());  // create it now: fail early
  else if (err == 0) err = history_truncate_file(history_file_.c_str(), max_lines);
  if (err == 0) return std::nullopt;
  auto why = history_file_ + ": " + std::strerror(err);
  history_file_.clear();
  return why;
}

void line_input::remember(const std::string& line) {
  add_history(line.c_str());
  if (history_file_.empty()) return;
  if (int err = append_history(1, history_file_.c_str())) {
    spdlog::warn("history not saved: {}: {}", history_file_, std::strerror(err));
    history_file_.clear();  // warned once; the history still works for this run
  }
}

void line_input::hook_logging() {
  if (mode_ != mode::tty || hooked_) return;
  hooked_ = spdlog::default_logger();
  original_sinks_ = hooked_->sinks();
  for (auto& s : hooked_->sinks()) s = std::make_shared<above_prompt_sink>(s, this);
}

}  // namespace vnet
