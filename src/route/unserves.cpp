#include "route/unserves.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace route {

void unserve_book::expire(requester_state& r, clock::time_point now) {
  const auto since = now - window;
  while (!r.made.empty() && r.made.front() <= since) r.made.pop_front();
  while (!r.waiting.empty() && r.waiting.front().second <= since) {
    outstanding_.erase(r.waiting.front().first);
    r.waiting.pop_front();
  }
}

outcome::status unserve_book::admit(std::uint32_t requester, unsigned per_minute, clock::time_point now) {
  auto& r = requesters_[requester];
  expire(r, now);
  if (r.made.size() >= per_minute)
    return outcome::fail(fmt::format("vnet {:02} may make at most {} unserve request{} per minute "
                                     "(raise [route] max_unserves_per_minute)",
                                     requester, per_minute, per_minute == 1 ? "" : "s"));
  r.made.push_back(now);
  return {};
}

unserve_book::times& unserve_book::window_of(std::map<std::string, times>& book, const std::string& key,
                                             clock::time_point now) {
  const auto since = now - window;
  auto drop_old = [since](times& t) {
    while (!t.empty() && t.front() <= since) t.pop_front();
  };
  constexpr std::size_t sweep_at = 4096;
  if (book.size() >= sweep_at)
    for (auto it = book.begin(); it != book.end();) {
      drop_old(it->second);
      it = it->second.empty() ? book.erase(it) : std::next(it);
    }
  auto& t = book[key];
  drop_old(t);
  return t;
}

outcome::result<void, limit_refusal> unserve_book::admit(const asker& who, unsigned per_vnet, unsigned per_group,
                                                         clock::time_point now) {
  auto& r = requesters_[who.vnetid];
  expire(r, now);
  const char* s = per_group == 1 ? "" : "s";
  if (r.made.size() >= per_vnet)
    return limit_refusal{limit::max_unserves_per_minute,
                         fmt::format("vnet {:02} may make at most {} unserve request{} per minute "
                                     "(raise [route] max_unserves_per_minute)",
                                     who.vnetid, per_vnet, per_vnet == 1 ? "" : "s")};
  auto& group = window_of(groups_, who.group, now);
  if (group.size() >= per_group)
    return limit_refusal{limit::max_group_unserves_per_minute,
                         fmt::format("the vnets of this group may make at most {} unserve request{} per minute "
                                     "together (raise [route] max_group_unserves_per_minute)",
                                     per_group, s)};
  auto& network = window_of(networks_, who.network, now);
  if (network.size() >= per_group)
    return limit_refusal{limit::max_group_unserves_per_minute,
                         fmt::format("the vnets of network {} may make at most {} unserve request{} per minute "
                                     "together (raise [route] max_group_unserves_per_minute)",
                                     who.network, per_group, s)};
  r.made.push_back(now);
  group.push_back(now);
  network.push_back(now);
  return {};
}

std::uint32_t unserve_book::add(const request& req, clock::time_point now) {
  auto id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  outstanding_[id] = req;
  requesters_[req.requester].waiting.emplace_back(id, now);
  return id;
}

std::optional<unserve_book::request> unserve_book::answer(std::uint32_t id, std::uint32_t target) {
  auto it = outstanding_.find(id);
  if (it == outstanding_.end() || it->second.target != target) return std::nullopt;
  auto req = it->second;
  outstanding_.erase(it);
  if (auto r = requesters_.find(req.requester); r != requesters_.end())
    std::erase_if(r->second.waiting, [&](const auto& w) { return w.first == id; });
  return req;
}

std::vector<unserve_book::request> unserve_book::drop_vnet(std::uint32_t vnetid) {
  std::vector<request> owed;
  for (auto it = outstanding_.begin(); it != outstanding_.end();) {
    const auto& req = it->second;
    if (req.target == vnetid && req.requester != vnetid) owed.push_back(req);
    if (req.target == vnetid || req.requester == vnetid) {
      if (req.requester != vnetid)
        if (auto r = requesters_.find(req.requester); r != requesters_.end())
          std::erase_if(r->second.waiting, [&](const auto& w) { return w.first == it->first; });
      it = outstanding_.erase(it);
    } else {
      ++it;
    }
  }
  if (auto r = requesters_.find(vnetid); r != requesters_.end()) {
    r->second.waiting.clear();
    if (r->second.made.empty()) requesters_.erase(r);
  }
  return owed;
}

std::size_t unserve_book::waiting(std::uint32_t requester) const {
  auto r = requesters_.find(requester);
  return r == requesters_.end() ? 0 : r->second.waiting.size();
}

}  // namespace route
