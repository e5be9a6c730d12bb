#include "vnet/use/standby_reason.hpp"

#include <gtest/gtest.h>

namespace vnet {
namespace {

protocol::listed_serve listed(std::uint16_t serveid, std::uint32_t vnetid) {
  protocol::listed_serve s;
  s.serve.serveid = serveid;
  s.vnetid = vnetid;
  return s;
}

TEST(StandbyReason, NamesWhatIsOnOfferAndCountsServingVnetsOnce) {
  protocol::serve_list list;
  list.vnets = 3;  // this one, home (two serves) and one serving nothing
  list.serves = {listed(701, 2), listed(700, 2), listed(500, 1)};
  auto r = explain_standby(702, "default-ssh", false, list, 1);
  EXPECT_EQ(r.what, "serveid 702 is not offered in group 'default-ssh'");
  EXPECT_EQ(r.full, "serveid 702 is not offered in group 'default-ssh' (serves on offer: 700, 701, from 1 "
                    "other vnet)");
}

TEST(StandbyReason, AKeyedGroupHintsAtTheKey) {
  protocol::serve_list list;
  list.vnets = 3;
  list.serves = {listed(700, 2), listed(701, 3)};
  auto r = explain_standby(702, "g", true, list, 1);
  EXPECT_EQ(r.full, "serveid 702 is not offered in group 'g' (serves on offer: 700, 701, from 2 other vnets; "
                    "a vnet with a different group_key is in another group and not seen)");
}

TEST(StandbyReason, NothingOnOfferPointsAtGroupAndKey) {
  protocol::serve_list list;
  list.vnets = 1;
  list.serves = {listed(700, 1)};  // this vnet's own serve is not on offer to it
  auto r = explain_standby(700, "g", false, list, 1);
  EXPECT_EQ(r.full, "serveid 700 is not offered in group 'g' (no serves on offer from other vnets: is the "
                    "serving vnet connected, with the same group and group_key?)");
}

TEST(StandbyReason, ALongOfferIsCut) {
  protocol::serve_list list;
  for (std::uint16_t id = 1; id <= 25; ++id) list.serves.push_back(listed(id, 2));
  auto r = explain_standby(700, "g", false, list, 1);
  EXPECT_NE(r.full.find("serves on offer: 001, 002, 003, 004, 005, 006, 007, 008, 009, 010, ... (25 in all), "
                        "from 1 other vnet)"),
            std::string::npos)
      << r.full;
}

}  // namespace
}  // namespace vnet
