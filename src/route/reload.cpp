#include "route/reload.hpp"

#include "config/schema.hpp"

namespace route {

std::string reload_plan::summary() const {
  if (changes.empty()) return "nothing changed";
  std::string out;
  for (const auto& c : changes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

reload_plan plan_reload(const config::route_config& now, const config::route_config& next) {
  reload_plan p{next, {}, next.listen != now.listen};
  p.apply.listen = now.listen;
  // What is bound at start (the metrics listener, with its token) waits for
  // a restart; the server names the address and the TLS files itself.
  for (const auto& k : config::route_keys())
    if (k.when == config::applies::restart && !k.apart) k.copy(p.apply, now);
  // The rest is read when a connection, link or welcome needs it: at once.
  p.changes = config::changes(config::route_keys(), now, next);
  for (auto& c : config::changes(config::route_limit_keys(), now.limits, next.limits))
    p.changes.push_back(std::move(c));
  return p;
}

}  // namespace route
