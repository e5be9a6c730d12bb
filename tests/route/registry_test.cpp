#include "route/registry.hpp"

#include <gtest/gtest.h>

namespace {

protocol::serve_info serve(std::uint16_t id, std::string name = "svc") {
  return protocol::serve_info{id, std::move(name), "tcp", "127.0.0.1", 22, ""};
}

TEST(Registry, VnetIdsStartAtOneAndReuseTheLowestFree) {
  route::registry r;
  EXPECT_EQ(r.add_vnet("a", "g"), 1u);
  EXPECT_EQ(r.add_vnet("b", "g"), 2u);
  EXPECT_EQ(r.add_vnet("c", "g"), 3u);
  ASSERT_TRUE(r.remove_vnet(2));
  EXPECT_EQ(r.add_vnet("d", "g"), 2u);
  EXPECT_EQ(r.add_vnet("e", "g"), 4u);
  EXPECT_FALSE(r.remove_vnet(99));
}

TEST(Registry, ZeroGetsTheLowestFreeDynamicId) {
  route::registry r;
  auto v = r.add_vnet("a", "g");
  auto first = r.register_serve(v, serve(0));
  EXPECT_TRUE(first.ok);
  EXPECT_EQ(first.serveid, 1);
  EXPECT_TRUE(first.reason.empty());
  ASSERT_TRUE(r.register_serve(v, serve(2)).ok);
  EXPECT_EQ(r.register_serve(v, serve(0)).serveid, 3);
}

TEST(Registry, FreeDynamicIdIsKept) {
  route::registry r;
  auto v = r.add_vnet("a", "g");
  auto out = r.register_serve(v, serve(42));
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.serveid, 42);
  ASSERT_NE(r.find_serve("g", 42), nullptr);
  EXPECT_EQ(r.find_serve("g", 42)->vnetid, v);
}

TEST(Registry, DynamicConflictIsReplacedAndExplained) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(1)).ok);
  ASSERT_TRUE(r.register_serve(a, serve(5)).ok);
  auto out = r.register_serve(b, serve(5, "other"));
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.serveid, 2);  // lowest free dynamic id
  EXPECT_NE(out.reason.find("005"), std::string::npos);
  EXPECT_NE(out.reason.find("002"), std::string::npos);
  EXPECT_EQ(r.find_serve("g", 5)->vnetid, a);
  EXPECT_EQ(r.find_serve("g", 2)->serve.name, "other");
}

TEST(Registry, StaticConflictIsRefusedNamingTheHolder) {
  route::registry r;
  auto a = r.add_vnet("home", "g");
  auto b = r.add_vnet("office", "g");
  ASSERT_TRUE(r.register_serve(a, serve(700, "ssh")).ok);
  auto out = r.register_serve(b, serve(700, "web"));
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.reason.find("700"), std::string::npos);
  EXPECT_NE(out.reason.find("home"), std::string::npos);
  EXPECT_NE(out.reason.find("ssh"), std::string::npos);
  EXPECT_EQ(r.find_serve("g", 700)->vnetid, a);
  // The holder leaves: the static id becomes available.
  r.remove_vnet(a);
  EXPECT_TRUE(r.register_serve(b, serve(700, "web")).ok);
}

TEST(Registry, BoundariesOfTheDynamicRange) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(499)).ok);
  ASSERT_TRUE(r.register_serve(a, serve(500)).ok);
  EXPECT_TRUE(r.register_serve(b, serve(499)).ok);   // 499 is dynamic: replaced
  EXPECT_FALSE(r.register_serve(b, serve(500)).ok);  // 500 is static: refused
  EXPECT_FALSE(r.register_serve(b, serve(1000)).ok); // out of range
}

TEST(Registry, DynamicRangeExhausted) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  const unsigned no_quota = 1000;  // the range, not max_serves_per_vnet, is tested here
  for (int i = 0; i < 499; ++i) ASSERT_TRUE(r.register_serve(a, serve(0), no_quota).ok);
  auto out = r.register_serve(a, serve(0), no_quota);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.reason.find("no free dynamic serveid"), std::string::npos);
  EXPECT_TRUE(r.register_serve(a, serve(600), no_quota).ok);  // static ids are still free
}

TEST(Registry, GroupsAreSeparateNamespaces) {
  route::registry r;
  auto a = r.add_vnet("a", "red");
  auto b = r.add_vnet("b", "blue");
  EXPECT_TRUE(r.register_serve(a, serve(700)).ok);
  EXPECT_TRUE(r.register_serve(b, serve(700)).ok);
  EXPECT_EQ(r.find_serve("red", 700)->vnetid, a);
  EXPECT_EQ(r.find_serve("blue", 700)->vnetid, b);
  EXPECT_EQ(r.find_serve("green", 700), nullptr);
  auto red = r.list_for_group("red");
  EXPECT_EQ(red.vnets, 1u);
  ASSERT_EQ(red.serves.size(), 1u);
  EXPECT_EQ(red.serves[0].vnetid, a);
  EXPECT_EQ(red.serves[0].vnet_name, "a");
}

TEST(Registry, OnlyTheOwnerUnregisters) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(10)).ok);
  EXPECT_FALSE(r.unregister_serve(b, 10));
  EXPECT_NE(r.find_serve("g", 10), nullptr);
  EXPECT_TRUE(r.unregister_serve(a, 10));
  EXPECT_EQ(r.find_serve("g", 10), nullptr);
  EXPECT_FALSE(r.unregister_serve(a, 10));
}

TEST(Registry, RemovingAVnetRemovesItsServesOnly) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(1)).ok);
  ASSERT_TRUE(r.register_serve(a, serve(700)).ok);
  ASSERT_TRUE(r.register_serve(b, serve(2)).ok);
  auto gone = r.remove_vnet(a);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->name, "a");
  auto list = r.list_for_group("g");
  EXPECT_EQ(list.vnets, 1u);
  ASSERT_EQ(list.serves.size(), 1u);
  EXPECT_EQ(list.serves[0].serve.serveid, 2);
}

TEST(Registry, UnknownVnetCannotRegister) {
  route::registry r;
  EXPECT_FALSE(r.register_serve(7, serve(1)).ok);
}

TEST(Registry, ListIsOrderedByServeid) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  for (std::uint16_t id : {900, 3, 450, 1}) ASSERT_TRUE(r.register_serve(a, serve(id)).ok);
  auto list = r.list_for_group("g");
  ASSERT_EQ(list.serves.size(), 4u);
  EXPECT_EQ(list.serves[0].serve.serveid, 1);
  EXPECT_EQ(list.serves[1].serve.serveid, 3);
  EXPECT_EQ(list.serves[2].serve.serveid, 450);
  EXPECT_EQ(list.serves[3].serve.serveid, 900);
}

}  // namespace

namespace {

TEST(Registry, RenameShowsInTheGroupList) {
  route::registry r;
  auto v = r.add_vnet("old", "g");
  ASSERT_TRUE(r.register_serve(v, serve(700, "ssh")).ok);
  ASSERT_TRUE(r.rename_vnet(v, "new"));
  EXPECT_EQ(r.find_vnet(v)->name, "new");
  auto list = r.list_for_group("g");
  ASSERT_EQ(list.serves.size(), 1u);
  EXPECT_EQ(list.serves[0].vnet_name, "new");
  EXPECT_FALSE(r.rename_vnet(v + 1, "nobody"));
}

// The bound that keeps every vnet list of a group in one frame: the route
// refuses the 10001st vnet of a group (server.cpp), other groups unaffected.
TEST(Registry, AGroupHoldsAtMostTheProtocolsVnetListBound) {
  route::registry r;
  EXPECT_EQ(r.max_group_vnets(), protocol::max_vnets_listed);
  for (std::size_t i = 0; i < protocol::max_vnets_listed; ++i) {
    ASSERT_FALSE(r.group_full("g")) << i;
    r.add_vnet("v", "g");
  }
  EXPECT_TRUE(r.group_full("g"));
  EXPECT_EQ(r.group_size("g"), protocol::max_vnets_listed);
  EXPECT_FALSE(r.group_full("other"));
  ASSERT_TRUE(r.remove_vnet(17));
  EXPECT_FALSE(r.group_full("g"));
  EXPECT_EQ(r.list_for_group("g").vnets, protocol::max_vnets_listed - 1);
}

TEST(Registry, GroupMembersFollowJoinsAndLeaves) {
  route::registry r(3);
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "h");
  auto c = r.add_vnet("c", "g");
  EXPECT_EQ(r.vnetids_of_group("g"), (std::vector<std::uint32_t>{a, c}));
  EXPECT_EQ(r.group_size("h"), 1u);
  ASSERT_TRUE(r.remove_vnet(b));
  EXPECT_EQ(r.group_size("h"), 0u);
  EXPECT_TRUE(r.vnetids_of_group("h").empty());
  r.add_vnet("d", "g");
  EXPECT_TRUE(r.group_full("g"));
  EXPECT_EQ(r.vnets_of_group("g").size(), 3u);
}

TEST(Registry, ListedServesOfAVnetCarryItsCurrentName) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(700)).ok);
  ASSERT_TRUE(r.register_serve(b, serve(5)).ok);
  ASSERT_TRUE(r.register_serve(a, serve(3)).ok);
  r.rename_vnet(a, "renamed");
  auto l = r.listed_serves_of(a);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0].serve.serveid, 3);
  EXPECT_EQ(l[1].serve.serveid, 700);
  EXPECT_EQ(l[1].vnet_name, "renamed");
  EXPECT_EQ(l[1].vnetid, a);
  EXPECT_TRUE(r.listed_serves_of(99).empty());
}

}  // namespace

namespace {

// max_serves_per_vnet: one session cannot squat a group's serveids.
TEST(RegistryQuota, OneVnetCannotTakeEveryServeidWithTheDefault) {
  route::registry r;
  auto squatter = r.add_vnet("squatter", "g");
  unsigned granted = 0;
  std::string refusal;
  for (std::uint16_t id = 1; id <= route::max_serveid; ++id) {
    auto out = r.register_serve(squatter, serve(id));
    if (out.ok) ++granted;
    else refusal = out.reason;
  }
  EXPECT_EQ(granted, 100u);
  EXPECT_EQ(refusal, "vnet 01 may register at most 100 serves (raise [route] max_serves_per_vnet)");
  EXPECT_EQ(r.find_vnet(squatter)->serves, 100u);
  // Others of the group still get serveids, static ones included.
  auto other = r.add_vnet("office", "g");
  EXPECT_TRUE(r.register_serve(other, serve(0)).ok);
  EXPECT_TRUE(r.register_serve(other, serve(999)).ok);
}

TEST(RegistryQuota, TheNthServeIsGrantedTheNextRefusedAndAFreedSlotReused) {
  route::registry r;
  auto v = r.add_vnet("a", "g");
  ASSERT_TRUE(r.register_serve(v, serve(0), 3).ok);
  ASSERT_TRUE(r.register_serve(v, serve(700), 3).ok);
  ASSERT_TRUE(r.register_serve(v, serve(0), 3).ok);  // the 3rd: still granted
  auto out = r.register_serve(v, serve(0), 3);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.reason, "vnet 01 may register at most 3 serves (raise [route] max_serves_per_vnet)");
  EXPECT_EQ(r.serves_of_group("g").size(), 3u);
  // Unregistering frees a slot; unregistering another vnet's serve does not.
  auto other = r.add_vnet("b", "g");
  EXPECT_FALSE(r.unregister_serve(other, 700));
  EXPECT_FALSE(r.register_serve(v, serve(0), 3).ok);
  ASSERT_TRUE(r.unregister_serve(v, 700));
  EXPECT_TRUE(r.register_serve(v, serve(701), 3).ok);
  // A higher limit (a reload) applies to the next register.
  EXPECT_TRUE(r.register_serve(v, serve(0), 4).ok);
  EXPECT_FALSE(r.register_serve(v, serve(0), 4).ok);
}

TEST(RegistryQuota, ServesAreCountedPerVnet) {
  route::registry r;
  auto a = r.add_vnet("a", "g");
  auto b = r.add_vnet("b", "g");
  ASSERT_TRUE(r.register_serve(a, serve(0), 1).ok);
  EXPECT_EQ(r.register_serve(a, serve(0), 1).reason,
            "vnet 01 may register at most 1 serve (raise [route] max_serves_per_vnet)");
  EXPECT_TRUE(r.register_serve(b, serve(0), 1).ok);
  // A vnet that leaves and comes back starts from zero.
  r.remove_vnet(a);
  auto again = r.add_vnet("a", "g");
  EXPECT_TRUE(r.register_serve(again, serve(0), 1).ok);
}

}  // namespace

namespace {

protocol::link_key key(std::uint32_t id, std::uint8_t fill) {
  protocol::link_key k;
  k.key_id = id;
  k.pub.fill(fill);
  k.mac.fill(static_cast<std::uint8_t>(fill + 1));
  return k;
}

// Links to a serve are encrypted to its vnet's link key: the route lists the
// key with each of that vnet's serves, the one from the hello first, then
// each rotation's.
TEST(RegistryLinkKeys, EachServeIsListedWithItsVnetsCurrentKey) {
  route::registry r;
  auto a = r.add_vnet("a", "g", key(1, 0xa0));
  auto b = r.add_vnet("b", "g", key(1, 0xb0));
  ASSERT_TRUE(r.register_serve(a, serve(700)).ok);
  ASSERT_TRUE(r.register_serve(b, serve(701)).ok);
  auto list = r.list_for_group("g");
  ASSERT_EQ(list.serves.size(), 2u);
  EXPECT_EQ(list.serves[0].key, key(1, 0xa0));
  EXPECT_EQ(list.serves[1].key, key(1, 0xb0));

  ASSERT_TRUE(r.set_key(a, key(2, 0xa2)));
  EXPECT_EQ(r.list_for_group("g").serves[0].key, key(2, 0xa2));
  EXPECT_EQ(r.list_for_group("g").serves[1].key, key(1, 0xb0));
  auto mine = r.listed_serves_of(a);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].key, key(2, 0xa2));
  EXPECT_FALSE(r.set_key(99, key(3, 1)));
}

}  // namespace
