#pragma once
// The vnet terminal ([vnet] terminal=true): reads commands one line at a
// time (line_input: readline on a tty, plain lines from a pipe), asks for
// missing arguments with their defaults, and acts on the client. Commands:
// help, show, serve, use, unserve, ping, reload, exit. A user mistake prints
// an error and the usage; it never ends the terminal.
// The same class runs `vnet ctl` commands (no line_input): the output goes to
// a string, no question is asked (a default is taken, a required field
// missing is a usage error), and status() tells how the command went.
//   terminal.cpp        the loop, dispatch, help, questions, ping, reload
//   terminal_show.cpp   show serve|use [KEY], show vnet|serves|vnets
//   terminal_edit.cpp   serve/use new|run|open|close|delete, unserve
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vnet/session/client.hpp"
#include "vnet/terminal/command_line.hpp"
#include "vnet/terminal/line_input.hpp"
#include "vnet/terminal/terminal_usage.hpp"

namespace vnet {

class terminal {
 public:
  // `exit` and end of input call request_stop once.
  terminal(client& c, line_input& in, std::function<void()> request_stop);
  // For one `vnet ctl` command: what it prints is appended to `out`.
  terminal(client& c, std::string& out);

  // Reads and runs commands until `exit` or end of input.
  net::awaitable<void> run();
  // The daemon is stopping for another reason (signal): end quietly.
  void stop() { stopped_ = true; }
  // Ctrl-C: clears the line, aborts a question or cancels a wait on the route.
  void interrupt();
  // Runs one command line (exposed for the loop and for tests).
  net::awaitable<void> execute(std::string line);
  // How the last execute() went, as `vnet ctl` exits: 0 done, 1 the command
  // failed (refused, no answer, a bad file), 2 a usage error.
  int status() const { return status_; }

 private:
  // A question; nullopt when the command must stop (Ctrl-C, end of input).
  // `def` empty and !has_default: the answer is required.
  net::awaitable<std::optional<std::string>> ask(std::string_view label, std::string_view def, bool has_default);
  // A field: from the line if given there; else asked when `ask_it` or when
  // it has no default (`def` nullopt: required); else the default.
  // Takes views only (no std::string temporaries in co_await expressions: GCC 12).
  net::awaitable<std::optional<std::string>> field(const parsed_args& a, const char* key, const char* label,
                                                   std::optional<std::string_view> def, bool ask_it);
  // Reports `bad` (a check's error) with the usage; true when there is none.
  bool checked(const outcome::status& st, const char* usage);
  // A request to the route that Ctrl-C can cancel: then its error is "cancelled".
  net::awaitable<reply> request(protocol::message m, net::duration timeout);
  void failed(const reply& r);  // prints why a request got no answer
  void print(const std::string& text);
  void error(const std::string& text, const char* usage = nullptr);
  line_input::completion complete(const std::vector<std::string>& before, const std::string& prefix);
  template <typename Table>
  static std::vector<std::string> keys(const Table& table);

  net::awaitable<void> help(const parsed_args& a);
  net::awaitable<void> ping();
  void reload(const parsed_args& a);
  void save(const parsed_args& a);

  net::awaitable<void> show(const parsed_args& a);
  void show_serve();
  void show_use();
  // The detail views: one serve or use by its key, its reason and traffic.
  void show_serve(const std::string& key);
  void show_use(const std::string& key);
  std::string listen_of(const use_entry& e) const;
  static std::string use_reason(const use_entry& e);
  void show_vnet();
  net::awaitable<void> show_serves();
  net::awaitable<void> show_vnets();

  // The NAME of a new serve or use: from the line or asked, checked, unused.
  template <typename Table>
  // Checks the line's keys against `known`, then the new entry's name (given
  // or asked): nullopt, with the error said, when the command cannot go on.
  net::awaitable<std::optional<std::string>> new_key(const parsed_args& a, const char* what, Table& table,
                                                     std::initializer_list<std::string_view> known);
  net::awaitable<void> serve(const parsed_args& a);
  net::awaitable<void> serve_new(const parsed_args& a, bool run);
  net::awaitable<void> use(const parsed_args& a);
  net::awaitable<void> use_new(const parsed_args& a, bool run);
  net::awaitable<void> unserve(const parsed_args& a);
  // open|close|delete on a serve or use named by key or serveid.
  template <typename Table>
  net::awaitable<void> edit(const parsed_args& a, command_id id, Table& table);
  net::awaitable<std::optional<std::string>> target(const parsed_args& a, const char* what);
  // The key of the one entry `ref` (a key or a serveid) names; none or
  // several: an error naming them, and nullopt.
  template <typename Table>
  std::optional<std::string> resolve(Table& table, const char* what, const std::string& ref);

  client& client_;
  line_input* in_ = nullptr;   // null for a ctl command
  std::string* out_ = nullptr;  // where a ctl command's output goes
  int status_ = 0;
  std::function<void()> request_stop_;
  bool done_ = false;     // exit typed, or end of input
  bool stopped_ = false;  // stopped from outside
  // Ctrl-C ends the wait of this terminal's request, and no other's (a
  // `vnet ctl` command may be waiting on the route at the same time).
  net::asio::steady_timer* interrupt_ = nullptr;
  std::string question_;    // the label of the question being asked, for Tab
};

}  // namespace vnet
