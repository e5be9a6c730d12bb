#include "vnet/use/standby_reason.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "text/printable.hpp"

namespace vnet {

standby_reason explain_standby(std::uint16_t serveid, const std::string& group, bool keyed,
                               const protocol::serve_list& list, std::uint32_t self) {
  std::vector<std::uint16_t> offered;
  std::set<std::uint32_t> vnets;  // distinct serving vnets: one vnet often serves several
  for (const auto& s : list.serves) {
    if (s.vnetid == self) continue;
    offered.push_back(s.serve.serveid);
    vnets.insert(s.vnetid);
  }
  std::sort(offered.begin(), offered.end());
  standby_reason r;
  r.what = fmt::format("serveid {:03} is not offered in group '{}'", serveid, text::printable(group));
  if (offered.empty()) {
    // Nothing at all from the others: rarely a typo in the serveid, usually
    // not the same group (a group_key makes its own group at the route).
    r.full = fmt::format("{} (no serves on offer from other vnets: is the serving vnet connected, with the "
                         "same group and group_key?)",
                         r.what);
    return r;
  }
  std::string ids;
  for (std::size_t i = 0; i < offered.size() && i < standby_offer_shown; ++i)
    ids += fmt::format("{}{:03}", i ? ", " : "", offered[i]);
  if (offered.size() > standby_offer_shown)
    ids += fmt::format(", ... ({} in all)", offered.size());
  r.full = fmt::format("{} (serves on offer: {}, from {} other vnet{}{})", r.what, ids, vnets.size(),
                       vnets.size() == 1 ? "" : "s",
                       keyed ? "; a vnet with a different group_key is in another group and not seen" : "");
  return r;
}

}  // namespace vnet
