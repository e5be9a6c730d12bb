// The schema's own promises: each table names a key once, every row has its
// documentation, every default passes the key's rule, and a fresh config
// holds the defaults.
#include "config/schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace config {
namespace {

template <class Config>
void check_table(table<Config> t, const char* section) {
  std::set<std::string> seen;
  for (const auto& k : t) {
    EXPECT_TRUE(seen.insert(k.key).second) << section << " " << k.key << " twice";
    EXPECT_FALSE(k.doc.empty()) << section << " " << k.key;
    EXPECT_FALSE(k.documented_default().empty()) << section << " " << k.key;
    EXPECT_FALSE(k.required && k.value) << section << " " << k.key << ": required with a default";
    Config c;
    if (k.value) {
      EXPECT_TRUE(k.read(c, k.value).ok()) << section << " " << k.key << " = " << k.value;
      // The default reads back as the value it shows.
      EXPECT_EQ(k.text(c), k.text(Config{})) << section << " " << k.key;
    }
  }
}

TEST(Schema, EveryTableIsWellFormed) {
  check_table(route_keys(), "[route] (route)");
  check_table(route_limit_keys(), "[route] (quotas)");
  check_table(vnet_route_keys(), "[route] (vnet)");
  check_table(vnet_keys(), "[vnet]");
  check_table(serve_keys(), "[serve.NAME]");
  check_table(use_keys(), "[use.NAME]");
}

TEST(Schema, AFreshConfigHoldsTheDefaults) {
  vnet_config v;
  EXPECT_EQ(v.name, "vnet");
  EXPECT_EQ(v.group, "default");
  EXPECT_EQ(v.heartbeat, seconds(6));
  EXPECT_EQ(v.max_idle_links, 16u);
  EXPECT_TRUE(v.startserve);
  EXPECT_FALSE(v.terminal);
  route_config r;
  EXPECT_EQ(r.timeout, seconds(15));
  EXPECT_EQ(r.limits.max_unidentified, 512u);
  serve_config s;
  EXPECT_EQ(s.type, "tcp");
  EXPECT_EQ(s.ip, "127.0.0.1");
  EXPECT_TRUE(s.active);
  use_config u;
  EXPECT_EQ(u.ip, "127.0.0.1");
  EXPECT_EQ(u.port, 0);
}

TEST(Schema, BothDaemonsAcceptEveryRouteKey) {
  const auto& names = route_section_names();
  for (auto t : {names_of(route_keys()), names_of(route_limit_keys()), names_of(vnet_route_keys())})
    for (auto n : t) EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
}

TEST(Schema, ChangesSayWhenTheyApplyAndNeverShowASecret) {
  vnet_config a, b;
  b.heartbeat = seconds(2);
  b.token = "a-secret-token-123456";
  b.metrics = {"127.0.0.1", 9100};
  b.name = "apart";  // reported by reload itself
  EXPECT_EQ(changes(vnet_keys(), a, b),
            (std::vector<std::string>{"heartbeat 6 -> 2 (at the next connection)",
                                      "metrics/status_token changed: needs a restart"}));
  EXPECT_EQ(changes(vnet_route_keys(), a, b),
            (std::vector<std::string>{"token set (at the next connection)"}));
}

}  // namespace
}  // namespace config
