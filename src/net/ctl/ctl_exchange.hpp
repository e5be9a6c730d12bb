#pragma once
// One ctl client's exchange, the same over a unix socket (POSIX) and a named
// pipe (Windows): read one command line, bounded in size and time; run it;
// write "STATUS\n" and the command's text under a deadline. What follows
// the answer (a half-close, draining an overlong line) is the transport's.
#include <set>
#include <string>

#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/asio.hpp"
#include "net/ctl/ctl_server.hpp"
#include "text/printable.hpp"

namespace net::ctl {

// A client in the server's set while its exchange runs (stop() closes them).
template <class T>
class listed {
 public:
  listed(std::set<T*>& set, T* item) : set_(set), item_(item) { set_.insert(item_); }
  ~listed() { set_.erase(item_); }
  listed(const listed&) = delete;
  listed& operator=(const listed&) = delete;

 private:
  std::set<T*>& set_;
  T* item_;
};

struct exchange_end {
  bool answered = false;  // the answer went out within the deadline
  bool overlong = false;  // the line was longer than max_line (unread bytes may follow)
};

// `accepting()` false: the daemon is stopping, the command is not run.
// `open()` false: stop() closed the stream while the command ran.
template <class Stream, class Accepting, class Open>
awaitable<exchange_end> exchange(Stream& s, const ctl_handler& handler, const char* daemon, Accepting accepting,
                                 Open open) {
  exchange_end end;
  std::string line;
  asio::steady_timer timer(s.get_executor(), ctl_server::io_deadline);
  auto buffer = asio::dynamic_buffer(line, ctl_server::max_line + 1);  // +1: the '\n' of a full line
  auto r = co_await (asio::async_read_until(s, buffer, '\n', use_nothrow) || timer.async_wait(use_nothrow));
  ctl_answer answer;
  if (r.index() == 1) {
    answer = {2, fmt::format("error: no command line within {} s\n", ctl_server::io_deadline.count())};
  } else {
    auto ec = std::get<0>(std::get<0>(r));
    auto n = std::get<1>(std::get<0>(r));
    if (ec == asio::error::not_found) {
      end.overlong = true;
      answer = {2, fmt::format("error: the command line is longer than {} bytes\n", ctl_server::max_line)};
    } else if (ec) {
      co_return end;  // gone before saying anything
    } else {
      line.resize(n - 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      spdlog::debug("ctl: {}", text::printable(line));
      if (accepting()) {
        ctl_answer done = co_await handler(std::move(line));
        answer = std::move(done);
      } else {
        answer = {1, fmt::format("error: the {} is stopping\n", daemon)};
      }
    }
  }
  if (!open()) co_return end;
  std::string out = std::to_string(answer.status) + "\n" + answer.text;
  timer.expires_after(ctl_server::io_deadline);
  auto w = co_await (asio::async_write(s, asio::buffer(out), use_nothrow) || timer.async_wait(use_nothrow));
  if (w.index() == 1)
    spdlog::debug("ctl: a client did not read its answer within {} s", ctl_server::io_deadline.count());
  else
    end.answered = !std::get<0>(std::get<0>(w));
  co_return end;
}

}  // namespace net::ctl
