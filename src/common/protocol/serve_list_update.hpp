#pragma once
// A vnet's copy of its group's serve list follows the route's updates: one
// serve_list per session, then serve_list_update for every change.
#include <algorithm>

#include "protocol/messages.hpp"

namespace protocol {

// Applies `u` to `list`, which stays in serveid order (as the route sends
// it). Removals first, then additions and replacements by serveid, so an
// update that the list already contains changes nothing.
inline void apply(serve_list& list, const serve_list_update& u) {
  list.vnets = u.vnets;
  std::erase_if(list.serves, [&](const listed_serve& s) {
    return std::find(u.removed.begin(), u.removed.end(), s.serve.serveid) != u.removed.end();
  });
  for (const auto& c : u.changed) {
    auto it = std::lower_bound(
        list.serves.begin(), list.serves.end(), c.serve.serveid,
        [](const listed_serve& s, std::uint16_t id) { return s.serve.serveid < id; });
    if (it != list.serves.end() && it->serve.serveid == c.serve.serveid)
      *it = c;
    else
      list.serves.insert(it, c);
  }
}

// Folds `next` into `into`, so that applying the result does what applying
// both in turn does, to the list as it was before either or in between (the
// route sends a burst of changes as one update). Each serveid stays at most
// once in each field, so the result is never bigger than the largest update.
inline void merge(serve_list_update& into, const serve_list_update& next) {
  into.vnets = next.vnets;
  auto changed = [&](std::uint16_t id) {
    return std::find_if(into.changed.begin(), into.changed.end(),
                        [id](const listed_serve& s) { return s.serve.serveid == id; });
  };
  for (auto id : next.removed) {
    if (auto it = changed(id); it != into.changed.end()) into.changed.erase(it);
    if (std::find(into.removed.begin(), into.removed.end(), id) == into.removed.end())
      into.removed.push_back(id);
  }
  for (const auto& c : next.changed) {
    if (auto it = changed(c.serve.serveid); it != into.changed.end())
      *it = c;
    else
      into.changed.push_back(c);
  }
}

}  // namespace protocol
