#include "route/reload.hpp"

#include <fmt/format.h>

namespace route {
namespace {

void compare(std::vector<std::string>& out, const char* key, config::seconds before,
             config::seconds after) {
  if (before != after) out.push_back(fmt::format("{} {:g} -> {:g}", key, before.count(), after.count()));
}

}  // namespace

std::string reload_plan::summary() const {
  if (changes.empty()) return "nothing changed";
  std::string out;
  for (const auto& c : changes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

reload_plan plan_reload(const config::route_config& now, const config::route_config& next) {
  reload_plan p{next, {}, next.listen != now.listen};
  p.apply.listen = now.listen;
  // The metrics listener is bound at start, with its token: both wait for a restart.
  p.apply.metrics = now.metrics;
  p.apply.status_token = now.status_token;
  if (next.metrics != now.metrics || next.status_token != now.status_token)
    p.changes.push_back("metrics/status_token changed: needs a restart");
  compare(p.changes, "heartbeat", now.heartbeat, next.heartbeat);
  compare(p.changes, "timeout", now.timeout, next.timeout);
  compare(p.changes, "handshake_timeout", now.handshake_timeout, next.handshake_timeout);
  compare(p.changes, "link_timeout", now.link_timeout, next.link_timeout);
  if (now.log_links != next.log_links)
    p.changes.push_back(fmt::format("log_links {} -> {}", now.log_links, next.log_links));
  // Applied at the next hello; the summary never shows the secret itself.
  if (now.token != next.token)
    p.changes.push_back(next.token.empty() ? "token removed" : now.token.empty() ? "token set" : "token changed");
  for (const auto& k : config::route_limit_keys)
    if (now.limits.*k.member != next.limits.*k.member)
      p.changes.push_back(fmt::format("{} {} -> {}", k.key, now.limits.*k.member, next.limits.*k.member));
  return p;
}

}  // namespace route
