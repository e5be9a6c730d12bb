#pragma once
// Why a use stands by: its serveid is not in the group's serve list. The
// serveids that are on offer are named (a typo in the serveid is the usual
// case), and an empty offer points at the group: vnets with another group
// name, or another group_key, are in another group at the route and never
// see each other's serves.
#include <cstdint>
#include <string>

#include "protocol/messages.hpp"

namespace vnet {

struct standby_reason {
  // "serveid 700 is not offered in group 'g'": the part that changes only
  // with the serveid or the group (a change of it is logged again).
  std::string what;
  // `what` with the detail: "... (serves on offer: 701, 702, from 1 other vnet)".
  std::string full;
};

// At most this many serveids are named; the rest are counted.
inline constexpr std::size_t standby_offer_shown = 10;

// `self`: this vnet's id in the list (its own serves are not "on offer" to
// it); `keyed`: the group has a group_key.
standby_reason explain_standby(std::uint16_t serveid, const std::string& group, bool keyed,
                               const protocol::serve_list& list, std::uint32_t self);

}  // namespace vnet
