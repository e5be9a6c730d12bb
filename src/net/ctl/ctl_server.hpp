#pragma once
// The control socket of a running daemon (`vnet ctl`, `vnet-route ctl`): a
// unix stream socket, mode 0600 (on Windows a named pipe only this user may
// open, named after the same path), where a client writes one command line
// and reads "STATUS\n" followed by the text the command printed, then EOF.
// The listener is per platform (ctl_server.cpp, ctl_server_windows.cpp);
// the exchange with a client is shared (ctl_exchange.hpp).
// Each client is bounded (a line of at most max_line bytes, deadline for
// reading it and for writing the answer, max_clients at once), so a
// hostile or stuck one ends only itself.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>

#ifdef _WIN32
#include <memory>

#include <boost/asio/windows/stream_handle.hpp>
#else
#include <boost/asio/local/stream_protocol.hpp>
#endif

#include "net/asio.hpp"
#include "net/time.hpp"
#include "outcome/result.hpp"

namespace net::ctl {

struct ctl_answer {
  int status = 0;  // the ctl command's exit status: 0 done, 1 failed, 2 usage
  std::string text;
};
using ctl_handler = std::function<awaitable<ctl_answer>(std::string line)>;

class ctl_server {
 public:
  static constexpr std::size_t max_line = 4096;
  static constexpr std::size_t max_clients = 8;
  static constexpr std::chrono::seconds io_deadline{10};
  // After refusing an overlong line, at most this much more of it is read.
  static constexpr std::size_t max_drain = 1024 * 1024;

  // `daemon` names it in messages ("vnet", "route").
  ctl_server(asio::any_io_executor ex, std::string path, const char* daemon, ctl_handler handler);
  ~ctl_server();  // removes the socket file if it is still ours
  ctl_server(const ctl_server&) = delete;
  ctl_server& operator=(const ctl_server&) = delete;

  // Creates the socket. A file left by a dead daemon (nobody accepts on it)
  // is replaced; a live one, or a file that is no socket, is left alone and
  // the reason returned with in_use() true: the caller refuses to start
  // (on Windows: a pipe of that name held by another process).
  // Other failures (a folder it may not write, a path too long) return the
  // reason with in_use() false: the daemon may run without the socket.
  outcome::status open();
  bool in_use() const { return in_use_; }
  const std::string& path() const { return path_; }
  // Accepts until stop().
  awaitable<void> run();
  // Closes the listener and every client; removes the socket file.
  void stop();

 private:
  bool in_use_ = false;
#ifdef _WIN32
  using socket = asio::windows::stream_handle;
  // A new pipe instance to wait on (first: the name must be new).
  outcome::result<std::unique_ptr<socket>> listen(bool first);
  std::string taken_message() const;
#else
  using socket = asio::local::stream_protocol::socket;
  void remove_file();
#endif
  awaitable<void> serve(socket s);
  bool accepting() const;

  asio::any_io_executor ex_;
  std::string path_;
  const char* daemon_;
  ctl_handler handler_;
  std::set<socket*> clients_;
#ifdef _WIN32
  // The instance waiting for the next client; null once stopped.
  std::unique_ptr<socket> waiting_;
  bool stopped_ = false;
#else
  asio::local::stream_protocol::acceptor acceptor_;
  // The socket file we created (device, inode): removed at exit only if
  // nobody replaced it since.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> created_;
#endif
};

}  // namespace net::ctl
