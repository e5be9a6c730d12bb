#include "protocol/serve_list_update.hpp"

#include <gtest/gtest.h>

namespace protocol {
namespace {

listed_serve entry(std::uint16_t id, std::uint32_t vnetid, std::string vnet_name) {
  return {serve_info{id, "s" + std::to_string(id), "tcp", "127.0.0.1", 22, ""}, vnetid,
          std::move(vnet_name)};
}

TEST(ServeListUpdate, CountOnlyChangesTheCount) {
  serve_list l{2, {entry(5, 1, "a")}};
  apply(l, serve_list_update{3, {}, {}});
  EXPECT_EQ(l, (serve_list{3, {entry(5, 1, "a")}}));
}

TEST(ServeListUpdate, AddsInServeidOrderRemovesAndReplaces) {
  serve_list l{2, {entry(5, 1, "a"), entry(700, 2, "b")}};
  apply(l, serve_list_update{2, {}, {entry(999, 1, "a"), entry(1, 2, "b"), entry(42, 1, "a")}});
  EXPECT_EQ(l, (serve_list{2, {entry(1, 2, "b"), entry(5, 1, "a"), entry(42, 1, "a"),
                               entry(700, 2, "b"), entry(999, 1, "a")}}));
  // A rename lists the vnet's serves anew; a leave removes them.
  apply(l, serve_list_update{2, {}, {entry(5, 1, "renamed"), entry(42, 1, "renamed")}});
  EXPECT_EQ(l.serves[1], entry(5, 1, "renamed"));
  EXPECT_EQ(l.serves[2], entry(42, 1, "renamed"));
  apply(l, serve_list_update{1, {5, 42, 999}, {}});
  EXPECT_EQ(l, (serve_list{1, {entry(1, 2, "b"), entry(700, 2, "b")}}));
}

TEST(ServeListUpdate, ApplyingTwiceOrAnAbsentIdChangesNothing) {
  serve_list l{1, {entry(5, 1, "a")}};
  serve_list_update u{2, {5, 6}, {entry(7, 2, "b")}};
  apply(l, u);
  auto once = l;
  apply(l, u);
  EXPECT_EQ(l, once);
  EXPECT_EQ(l, (serve_list{2, {entry(7, 2, "b")}}));
}

// An id removed and listed anew in one update ends up listed: removals go
// first, whatever the order the fields travel in.
TEST(ServeListUpdate, RemovedThenChangedInOneUpdateIsListed) {
  serve_list l{1, {entry(5, 1, "a")}};
  apply(l, serve_list_update{1, {5}, {entry(5, 2, "b")}});
  EXPECT_EQ(l, (serve_list{1, {entry(5, 2, "b")}}));
}

// The route merges a burst of changes into one update: applying the merge
// must give what applying each in turn gives, from any list in between.
TEST(ServeListUpdate, MergedUpdatesDoWhatEachDoesInTurn) {
  std::vector<serve_list_update> burst = {
      {3, {}, {entry(5, 1, "a"), entry(6, 1, "a")}},  // a registers two serves
      {3, {5}, {}},                                    // unregisters one
      {3, {}, {entry(6, 1, "renamed")}},               // is renamed
      {4, {}, {}},                                     // someone joins
      {4, {}, {entry(5, 2, "b")}},                     // b takes 5
      {3, {7}, {}},                                    // someone with 7 leaves
      {3, {6}, {}},                                    // a unregisters 6
  };
  serve_list start{2, {entry(1, 3, "c"), entry(7, 4, "d")}};
  serve_list_update merged;
  for (const auto& u : burst) merge(merged, u);
  EXPECT_EQ(merged.vnets, 3u);
  EXPECT_EQ(merged.changed, (std::vector<listed_serve>{entry(5, 2, "b")}));

  // From the list before the burst and from each list along it.
  serve_list step = start;
  for (std::size_t i = 0; i <= burst.size(); ++i) {
    serve_list expected = start;
    for (const auto& u : burst) apply(expected, u);
    serve_list got = step;
    apply(got, merged);
    EXPECT_EQ(got, expected) << "after " << i << " of the burst";
    if (i < burst.size()) apply(step, burst[i]);
  }
  EXPECT_EQ(step, (serve_list{3, {entry(1, 3, "c"), entry(5, 2, "b")}}));
}

TEST(ServeListUpdate, MergeKeepsEachServeidOnceInEachField) {
  serve_list_update merged;
  for (int round = 0; round < 3; ++round) {
    merge(merged, {1, {}, {entry(5, 1, "a")}});
    merge(merged, {1, {5}, {}});
  }
  EXPECT_EQ(merged.removed, (std::vector<std::uint16_t>{5}));
  EXPECT_TRUE(merged.changed.empty());
}

}  // namespace
}  // namespace protocol
