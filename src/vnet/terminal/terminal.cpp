#include "vnet/terminal/terminal.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/endpoint.hpp"
#include "platform/files.hpp"
#include "platform/user_paths.hpp"
#include "text/printable.hpp"
#include "text/table.hpp"
#include "vnet/terminal/terminal_usage.hpp"

namespace vnet {

terminal::terminal(client& c, line_input& in, std::function<void()> request_stop)
    : client_(c), in_(&in), request_stop_(std::move(request_stop)) {
  in_->set_completer([this](const std::vector<std::string>& before, const std::string& prefix) {
    return complete(before, prefix);
  });
  // History across runs: ~/.vnet_history, %LOCALAPPDATA%\vnet\history on
  // Windows (that owner-only folder is made on first use; a missing $HOME
  // is never made). Without it the terminal still works.
  const auto history = platform::history_file();
  if (in_->get_mode() == line_input::mode::tty && history) {
    if (const auto own = platform::private_state_folder()) platform::create_private_folder(*own);
    if (auto bad = in_->keep_history(*history, 1000)) spdlog::warn("history not kept across runs: {}", *bad);
  }
}

terminal::terminal(client& c, std::string& out) : client_(c), out_(&out) {}

net::awaitable<void> terminal::run() {
  if (in_->get_mode() == line_input::mode::stream) {
    // A script's first `show` should see the vnet settled: one round trip
    // after connecting means our registrations and the group list are in.
    protocol::message m = protocol::ping{0, 0};
    reply settled = co_await client_.request(std::move(m), std::chrono::seconds(5));
    if (!settled) spdlog::warn("running commands without the route: {}", settled.why());
  }
  while (!done_) {
    std::string prompt = ">: ";
    input_result r = co_await in_->read_line(std::move(prompt), true);
    if (r.status == input_status::interrupted) continue;
    if (r.status == input_status::eof) break;
    co_await execute(std::move(r.text));
  }
  if (stopped_) co_return;
  if (!done_) spdlog::info("end of input: exiting");
  done_ = true;
  request_stop_();
}

void terminal::interrupt() {
  // At a prompt the line is cleared (a question aborts its command); during
  // a wait on the route the wait ends.
  if (in_ && in_->interrupt()) return;
  if (interrupt_) interrupt_->cancel();
}

net::awaitable<reply> terminal::request(protocol::message m, net::duration timeout) {
  using namespace net::asio::experimental::awaitable_operators;
  auto ex = co_await net::asio::this_coro::executor;
  net::asio::steady_timer interrupted(ex, net::asio::steady_timer::time_point::max());
  interrupt_ = &interrupted;
  auto r = co_await (client_.request(std::move(m), timeout) || interrupted.async_wait(net::use_nothrow));
  interrupt_ = nullptr;
  if (r.index() == 1) co_return no_answer{no_answer_kind::cancelled, "cancelled"};
  co_return std::get<0>(std::move(r));
}

void terminal::failed(const reply& r) {
  status_ = 1;
  if (r) return error("unexpected answer from the route");  // an answer of another type
  // The user asked for it: not an error. The tty echoed "^C" with no newline.
  if (r.error().kind == no_answer_kind::cancelled) print("\ncancelled");
  else error(text::printable(r.why()));  // may quote the route
}

void terminal::print(const std::string& text) {
  if (!out_) return in_->print(text);
  *out_ += text;
  if (text.empty() || text.back() != '\n') *out_ += '\n';
}

void terminal::error(const std::string& text, const char* usage) {
  status_ = std::max(status_, usage ? 2 : 1);
  print("error: " + text);
  if (usage) print(std::string("usage: ") + usage);
}

net::awaitable<std::optional<std::string>> terminal::ask(std::string_view label, std::string_view def,
                                                         bool has_default) {
  if (!in_) {  // a ctl command: nobody to ask
    if (has_default) co_return std::string(def);
    status_ = 2;
    print(fmt::format("error: {} is required (ctl asks no questions: give it on the line)", label));
    co_return std::nullopt;
  }
  std::string prompt = fmt::format("    {}{}: ", label, has_default ? fmt::format("({})", def) : "");
  const std::string label_text(label), def_text(def);  // the views may not outlive a suspension
  question_ = label_text;  // Tab completes what is asked
  input_result r = co_await in_->read_line(std::move(prompt), false);
  question_.clear();
  if (r.status == input_status::eof) done_ = true;  // nothing more will come
  if (r.status != input_status::line) co_return std::nullopt;
  auto& text = r.text;
  text.erase(0, text.find_first_not_of(" \t"));
  text.erase(text.find_last_not_of(" \t") + 1);
  if (text.empty()) {
    if (has_default) co_return def_text;
    error(label_text + " is required");
    co_return std::nullopt;
  }
  co_return text;
}

net::awaitable<void> terminal::execute(std::string line) {
  status_ = 0;
  auto parsed = parse_args(line);
  if (!parsed) {
    error(parsed.why());
    status_ = 2;
    co_return;
  }
  auto a = std::move(parsed).value();
  if (a.words.empty() && a.values.empty()) co_return;
  if (a.words.empty()) {
    error("a command comes first; type help");
    status_ = 2;
    co_return;
  }
  auto cmd = a.words.front();
  a.words.erase(a.words.begin());
  const auto* info = find_command(cmd);
  if (!info) {
    print(fmt::format("error: no command '{}'", text::printable(cmd)));  // ctl: any bytes
    std::string names;
    for (const auto& c : commands()) names += (names.empty() ? "" : " | ") + std::string(c.name);
    print("usage: " + names);
    status_ = 2;
    co_return;
  }
  switch (info->id) {
    case command_id::help: co_await help(a); break;
    case command_id::show: co_await show(a); break;
    case command_id::serve: co_await serve(a); break;
    case command_id::use: co_await use(a); break;
    case command_id::unserve: co_await unserve(a); break;
    case command_id::ping: co_await ping(); break;
    case command_id::reload: reload(a); break;
    case command_id::save: save(a); break;
    case command_id::exit:
      if (in_) done_ = true;
      else  // one command per ctl connection: there is no session to end
        error("exit ends the interactive terminal only; stop the daemon with its service manager "
              "(systemctl stop vnet) or SIGTERM", command(command_id::exit).usage);
      break;
  }
}

net::awaitable<void> terminal::help(const parsed_args& a) {
  if (a.words.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : commands()) rows.push_back({"  " + std::string(c.name), c.summary});
    print(text::render_table(rows));
    print("Missing arguments are asked for; defaults are shown in parentheses. help COMMAND for more.");
    co_return;
  }
  const auto* info = find_command(a.words.front());
  if (!info) {
    error(fmt::format("no command '{}'", a.words.front()), commands().front().usage);
    co_return;
  }
  print(std::string("usage: ") + info->usage);
  print(info->details);
}

net::awaitable<void> terminal::ping() {
  auto sent = std::chrono::steady_clock::now();
  protocol::message m = protocol::ping{0, 0};
  reply r = co_await request(std::move(m), std::chrono::seconds(10));
  if (!r) co_return failed(r);
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - sent;
  const auto& route = client_.config().route;
  print(fmt::format("route {} answered in {:.3f} ms", net::host_port(route.ip, route.port), took.count()));
}

void terminal::reload(const parsed_args& a) {
  if (a.words.size() > 1 || !a.values.empty()) return error("reload takes at most one file", command(command_id::reload).usage);
  auto path = a.words.empty() ? client_.config_path() : a.words.front();
  auto summary = client_.reload_file(path);
  if (summary) print(fmt::format("reloaded {}: {}", path, *summary));
  else error("reload failed, nothing changed: " + summary.why());
}

void terminal::save(const parsed_args& a) {
  if (a.words.size() > 1 || !a.values.empty()) return error("save takes at most one file", command(command_id::save).usage);
  auto saved = client_.save_file(a.words.empty() ? "" : a.words.front());
  if (saved) print(*saved);
  else error("save failed: " + saved.why());
}

template <typename Table>
std::vector<std::string> terminal::keys(const Table& table) {
  std::vector<std::string> out;
  for (const auto& e : table.entries()) out.push_back(e.cfg.key);
  return out;
}

line_input::completion terminal::complete(const std::vector<std::string>& before, const std::string&) {
  std::vector<std::string> out;
  // At a question the answer is one word: completed once, no space after it.
  if (!question_.empty() && !before.empty()) return {};
  if (question_ == "serve") return {keys(client_.serves()), false, true};
  if (question_ == "use") return {keys(client_.uses()), false, true};
  if (!question_.empty()) return {};
  if (before.empty() || (before.size() == 1 && before[0] == "help")) {
    for (const auto& c : commands()) out.emplace_back(c.name);
    return {out};
  }
  const auto* info = find_command(before[0]);
  if (!info) return {};
  if (info->id == command_id::reload || info->id == command_id::save)
    return {{}, before.size() == 1};  // the file
  if (before.size() == 1) return {{info->words.begin(), info->words.end()}};
  if (before.size() == 2 && is_one_of(before[1], ref_words)) {
    if (info->id == command_id::serve) return {keys(client_.serves())};
    if (info->id == command_id::use) return {keys(client_.uses())};
  }
  return {};
}

}  // namespace vnet
