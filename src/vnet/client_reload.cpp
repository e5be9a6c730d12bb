// The running vnet and its file: reload (compare with the file loaded last
// and apply the difference, live) and save (write what runs back to a file).
// The diff and the plan are vnet/reload.hpp's, the rewriting vnet/save.hpp's.
#include <spdlog/spdlog.h>

#include "vnet/session/client.hpp"
#include "vnet/reload.hpp"
#include "vnet/save.hpp"

namespace vnet {

namespace {

// Carries out plan_apply's steps on a serve or use table; the plan is
// tested in tests/vnet/reload_test.cpp, the closing of connections by the
// black-box tests.
template <typename Table, typename Config>
void apply_entries(Table& table, const std::vector<Config>& before, const config_diff& d) {
  std::vector<std::string> present;
  for (const auto& e : table.entries()) present.push_back(e.cfg.key);
  for (const auto& step : plan_apply(before, d, present)) {
    using action = typename apply_step<Config>::action;
    auto* e = table.find_key(step.key);
    switch (step.what) {
      case action::remove:
        if (e) table.remove(e->id);
        break;
      case action::set_active:
        if (e) table.set_active(*e, step.cfg.active);
        break;
      case action::add:
        table.add(step.cfg);
        break;
    }
  }
}

}  // namespace

outcome::result<std::string> client::reload_file(const std::string& path) {
  if (path.empty() && file_cfg_.path.empty())
    return outcome::fail("there is no file to reload: this vnet was started with --route");
  // The loader throws (at start-up a bad file ends the daemon); here a bad
  // file is an answer to one command.
  try {
    auto next = config::load_vnet_config(path.empty() ? file_cfg_.path : path);
    for (const auto& w : next.warnings) spdlog::warn("{}", w);
    return reload(std::move(next));
  } catch (const config::error& e) {
    return outcome::fail(e.what());
  }
}

config::vnet_config client::running_config() const {
  config::vnet_config now = cfg_;
  now.path = file_cfg_.path;
  now.terminal = file_cfg_.terminal;  // as the file says (cfg_ keeps the one started with)
  for (const auto& e : serves_.entries())
    if (!unserve_.owns(e.id)) now.serves.push_back(e.cfg);
  for (const auto& u : uses_.entries())
    if (!u.temporary) now.uses.push_back(u.cfg);
  return now;
}

outcome::result<std::string> client::save_file(const std::string& path) {
  auto target = path.empty() ? file_cfg_.path : path;
  if (target.empty())
    return outcome::fail("this vnet was started with --route and has no file: name one, e.g. save vnet.ini");
  try {
    auto summary = save_config(target, running_config(), file_cfg_.path);
    // The file now holds what runs: later reloads compare with it.
    file_cfg_ = config::load_vnet_config(target);
    return summary;
  } catch (const config::error& e) {
    return outcome::fail(e.what());
  }
}

std::string client::reload(config::vnet_config next) {
  auto d = diff(file_cfg_, next);
  auto summary = d.summary(file_cfg_, next);
  apply_entries(serves_, file_cfg_.serves, d);
  apply_entries(uses_, file_cfg_.uses, d);
  if (next.terminal != cfg_.terminal)
    spdlog::warn("reload: terminal={} takes effect at the next start", next.terminal ? "true" : "false");

  file_cfg_ = next;
  bool keep_terminal = cfg_.terminal;
  cfg_ = std::move(next);  // settings; the tables above hold the serves and uses
  cfg_.serves.clear();
  cfg_.uses.clear();
  cfg_.terminal = keep_terminal;
  if (d.group_changed || d.group_key_changed) {
    // Another group on the route: the links' keys and the listed keys'
    // signatures change with it.
    group_ = crypto::derive_group(cfg_.group, cfg_.group_key);
    link_keys_->set_mac_key(group_.mac_key);
  }
  // A new file may bring the right token: a vnet waiting out refusals
  // tries again now.
  if (backoff_.backing_off()) {
    backoff_.reset();
    retry_timer_.cancel();
  }
  if (d.route_changed || d.group_changed || d.group_key_changed)
    restart_session();
  else if (d.name_changed)
    send(protocol::vnet_rename{cfg_.name});
  return summary;
}

}  // namespace vnet
