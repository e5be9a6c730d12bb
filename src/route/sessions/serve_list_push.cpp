#include "route/sessions/serve_list_push.hpp"

#include "protocol/serve_list_update.hpp"

namespace route {
namespace {

// How far apart a group's pushes of serve-list changes are at least; the
// changes of the meantime travel merged. A push costs the route about 10 us
// per member, so a group's pushes take at most a tenth of its time however
// fast its vnets come and go, while a small group's wait stays unnoticed
// (2000 vnets: 200 ms; 200 or fewer: 20 ms).
std::chrono::steady_clock::duration push_interval(std::size_t members) {
  return std::max<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20),
                                                       std::chrono::microseconds(100) * members);
}

}  // namespace

void serve_list_pusher::push(const std::string& group, const protocol::serve_list_update& u) {
  auto& g = updates_[group];
  protocol::merge(g.pending, u);
  if (g.timer) return;  // a push is due already
  auto due = g.last_push + push_interval(registry_.group_size(group));
  if (std::chrono::steady_clock::now() >= due) {
    flush(group);
    return;
  }
  g.timer = std::make_unique<net::asio::steady_timer>(ex_, due);
  g.timer->async_wait([this, group](net::error_code ec) {
    if (!ec) flush(group);  // else stop(), or the route is gone
  });
}

void serve_list_pusher::stop() {
  stopping_ = true;
  for (auto& [group, u] : updates_)
    if (u.timer) u.timer->cancel();
}

void serve_list_pusher::flush(const std::string& group) {
  auto it = updates_.find(group);
  if (it == updates_.end()) return;
  auto u = std::move(it->second.pending);
  it->second.pending = {};
  it->second.last_push = std::chrono::steady_clock::now();
  it->second.timer.reset();
  const auto members = registry_.vnetids_of_group(group);
  if (members.empty()) {
    updates_.erase(it);  // nobody to throttle for: no entry per group ever seen
    return;
  }
  if (stopping_) return;
  // A vnet that joined meanwhile got a whole list that already holds these
  // changes: applying them again changes nothing.
  u.vnets = static_cast<std::uint32_t>(members.size());
  for (auto id : members)
    if (auto* s = sessions_.find(id)) s->send(u);
}

}  // namespace route
