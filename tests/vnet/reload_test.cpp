#include "vnet/reload.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vnet {
namespace {

config::vnet_config cfg(const std::string& body, const std::string& route = "127.0.0.1") {
  return config::parse_vnet_config("[route]\nip=" + route + "\nport=7749\n" + body, "test.ini");
}

const std::string base =
    "[vnet]\nname=home\n"
    "[serve.ssh]\nserveid=700\nport=22\n"
    "[serve.web]\nport=80\n"
    "[use.rdp]\nserveid=999\nport=33389\n";

TEST(Reload, SameFileIsNothing) {
  auto d = diff(cfg(base), cfg(base));
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.summary(cfg(base), cfg(base)), "nothing changed");
}

TEST(Reload, OrderOfTheFileDoesNotMatter) {
  auto reordered = cfg(
      "[use.rdp]\nserveid=999\nport=33389\n[serve.web]\nport=80\n"
      "[serve.ssh]\nport=22\nserveid=700\n[vnet]\nname=home\n");
  EXPECT_TRUE(diff(cfg(base), reordered).empty());
}

TEST(Reload, AddedRemovedChanged) {
  auto before = cfg(base);
  auto after = cfg(
      "[vnet]\nname=home\n"
      "[serve.ssh]\nserveid=700\nport=2222\n"  // changed
      "[serve.db]\nport=5432\n"                 // added; web removed
      "[use.rdp]\nserveid=999\nport=33389\n"
      "[use.ssh]\nserveid=700\n");              // added
  auto d = diff(before, after);
  ASSERT_EQ(d.serves_added.size(), 1u);
  EXPECT_EQ(d.serves_added[0].key, "db");
  ASSERT_EQ(d.serves_changed.size(), 1u);
  EXPECT_EQ(d.serves_changed[0].port, 2222);  // the new definition
  EXPECT_EQ(d.serves_removed, std::vector<std::string>{"web"});
  ASSERT_EQ(d.uses_added.size(), 1u);
  EXPECT_EQ(d.uses_added[0].key, "ssh");
  EXPECT_TRUE(d.uses_changed.empty());
  EXPECT_TRUE(d.uses_removed.empty());
  EXPECT_FALSE(d.name_changed || d.group_changed || d.route_changed);
  EXPECT_EQ(d.summary(before, after), "serves +1 -1 ~1, uses +1 -0 ~0");
}

TEST(Reload, EveryFieldCounts) {
  const char* serve_edits[] = {"serveid=701\nport=22\n", "port=22\nip=10.0.0.1\n",
                               "port=22\nname=other\n", "port=22\ninfo=x\n",
                               "port=22\nactive=false\n"};
  for (const char* edit : serve_edits) {
    auto d = diff(cfg("[serve.a]\nport=22\n"), cfg(std::string("[serve.a]\n") + edit));
    EXPECT_EQ(d.serves_changed.size(), 1u) << edit;
  }
  const char* use_edits[] = {"serveid=2\n", "serveid=1\nip=::1\n", "serveid=1\nport=9\n",
                             "serveid=1\nactive=no\n"};
  for (const char* edit : use_edits) {
    auto d = diff(cfg("[use.a]\nserveid=1\n"), cfg(std::string("[use.a]\n") + edit));
    EXPECT_EQ(d.uses_changed.size(), 1u) << edit;
  }
}

TEST(Reload, KeysAreCaseSensitive) {
  // [serve.SSH] is another section than [serve.ssh]: one removed, one added.
  auto d = diff(cfg("[serve.ssh]\nport=22\n"), cfg("[serve.SSH]\nport=22\n"));
  EXPECT_EQ(d.serves_removed, std::vector<std::string>{"ssh"});
  ASSERT_EQ(d.serves_added.size(), 1u);
  EXPECT_EQ(d.serves_added[0].key, "SSH");
}

TEST(Reload, NameGroupRoute) {
  auto before = cfg("[vnet]\nname=a\ngroup=g1\n");
  auto after = cfg("[vnet]\nname=b\ngroup=g2\n", "::1");
  auto d = diff(before, after);
  EXPECT_TRUE(d.name_changed && d.group_changed && d.route_changed);
  EXPECT_EQ(d.summary(before, after),
            "serves +0 -0 ~0, uses +0 -0 ~0, name a -> b, group g1 -> g2, "
            "route 127.0.0.1:7749 -> [::1]:7749");
}

// A new group_key puts the vnet in another group on the route: it must
// reconnect, and the summary must not print the key.
TEST(Reload, GroupKeyIsAChangeNamedWithoutTheKey) {
  auto before = cfg("[vnet]\ngroup=g\n");
  auto after = cfg("[vnet]\ngroup=g\ngroup_key=abcdefghijklmnopqrstuvwxyz012345\n");
  auto d = diff(before, after);
  EXPECT_TRUE(d.group_key_changed);
  EXPECT_FALSE(d.group_changed);
  EXPECT_FALSE(d.empty());
  EXPECT_EQ(d.summary(before, after), "serves +0 -0 ~0, uses +0 -0 ~0, group_key changed");
  EXPECT_FALSE(diff(after, after).group_key_changed);
}

TEST(Reload, RoutePortAndHostName) {
  auto before = cfg("", "route.example.com");
  auto after = config::parse_vnet_config("[route]\nip=route.example.com\nport=7750\n", "t.ini");
  EXPECT_EQ(diff(before, after).summary(before, after),
            "serves +0 -0 ~0, uses +0 -0 ~0, route route.example.com:7749 -> "
            "route.example.com:7750");
}

TEST(Reload, OtherVnetKeysAreNotPartOfTheDiff) {
  // They take effect without touching entries or the session.
  EXPECT_TRUE(diff(cfg(""), cfg("[vnet]\nheartbeat=1\nallow_unserve=true\n")).empty());
}

TEST(Reload, OtherVnetKeysAreReportedAsSettings) {
  auto before = cfg("");
  auto after = cfg("[vnet]\nunserve_idle_timeout=5\nmax_links_per_serve=2\n");
  auto d = diff(before, after);
  EXPECT_EQ(d.settings, (std::vector<std::string>{"unserve_idle_timeout 60 -> 5",
                                                   "max_links_per_serve auto -> 2"}));
  EXPECT_EQ(d.summary(before, after), "unserve_idle_timeout 60 -> 5, max_links_per_serve auto -> 2");
  EXPECT_TRUE(diff(before, cfg("")).settings.empty());
  auto both = cfg("[vnet]\nname=renamed\nheartbeat=2.5\n");
  EXPECT_EQ(diff(before, both).summary(before, both),
            "serves +0 -0 ~0, uses +0 -0 ~0, name vnet -> renamed, "
            "heartbeat 6 -> 2.5 (at the next connection)");
}

// Every key a vnet reads from [vnet] and [route], changed alone, is named
// in the summary, with when it applies if not at once; a secret never
// shows. Keys that change entries or the session are covered above.
TEST(Reload, EveryKeyIsReported) {
  const std::string fp = "SHA256:" + std::string(43, 'A');
  const std::string secret = "abcdefghijklmnopqrstuvwxyz012345";
  struct edit {
    const char* section;
    std::string line;
    std::string expected;
  };
  const edit edits[] = {
      {"vnet", "terminal=true", "terminal false -> true (at the next start)"},
      {"vnet", "allow_unserve=true", "allow_unserve false -> true"},
      {"vnet", "unserve_remote=true", "unserve_remote false -> true"},
      {"vnet", "unserve_num=3", "unserve_num 1 -> 3"},
      {"vnet", "unserve_unused_timeout=30", "unserve_unused_timeout 180 -> 30"},
      {"vnet", "unserve_idle_timeout=0.5", "unserve_idle_timeout 60 -> 0.5"},
      {"vnet", "heartbeat=2", "heartbeat 6 -> 2 (at the next connection)"},
      {"vnet", "reconnect=1", "reconnect 3 -> 1"},
      {"vnet", "dial_timeout=9", "dial_timeout 5 -> 9"},
      {"vnet", "log_links=true", "log_links false -> true"},
      {"vnet", "max_links_per_serve=8", "max_links_per_serve auto -> 8"},
      {"vnet", "max_idle_links=0", "max_idle_links 16 -> 0"},
      {"vnet", "metrics=127.0.0.1:9100", "metrics/status_token changed: needs a restart"},
      {"vnet", "status_token=" + secret, "metrics/status_token changed: needs a restart"},
      {"route", "token=" + secret, "token set (at the next connection)"},
      {"route", "fingerprint=" + fp, "fingerprint set (at the next connection)"},
      {"route", "known_routes=/tmp/known", "known_routes set (at the next connection)"},
  };
  auto with = [](const edit& e) {
    // cfg() ends with [route]: a key without a section header lands there.
    return cfg(std::string(e.section) == "route" ? e.line + "\n" : "[vnet]\n" + e.line + "\n");
  };
  const auto before = cfg("");
  for (const auto& e : edits) {
    const auto after = with(e);
    auto d = diff(before, after);
    EXPECT_TRUE(d.empty()) << e.line;  // no entry, no reconnection
    EXPECT_EQ(d.summary(before, after), e.expected) << e.line;
    EXPECT_EQ(d.summary(before, after).find(secret), std::string::npos) << e.line;
    // And back: the reverse change is reported too.
    EXPECT_NE(diff(after, before).summary(after, before), "nothing changed") << e.line;
  }
  auto changed = cfg("token=" + secret + "\n");
  auto other = cfg("token=" + secret + "x\n");
  EXPECT_EQ(diff(changed, other).summary(changed, other), "token changed (at the next connection)");
  EXPECT_EQ(diff(changed, before).summary(changed, before), "token removed (at the next connection)");
}

TEST(Reload, OnlyActiveDiffers) {
  auto a = cfg("[serve.s]\nport=1\n[use.u]\nserveid=1\n");
  auto closed = cfg("[serve.s]\nport=1\nactive=off\n[use.u]\nserveid=1\nactive=off\n");
  auto moved = cfg("[serve.s]\nport=2\nactive=off\n[use.u]\nserveid=2\nactive=off\n");
  EXPECT_TRUE(only_active_differs(a.serves[0], closed.serves[0]));
  EXPECT_TRUE(only_active_differs(a.uses[0], closed.uses[0]));
  EXPECT_FALSE(only_active_differs(a.serves[0], a.serves[0]));  // nothing differs
  EXPECT_FALSE(only_active_differs(a.uses[0], a.uses[0]));
  EXPECT_FALSE(only_active_differs(a.serves[0], moved.serves[0]));  // port too
  EXPECT_FALSE(only_active_differs(a.uses[0], moved.uses[0]));
}

TEST(Reload, StartserveFlipReopensEveryServe) {
  // startserve applies to the effective `active`, so turning it on in the
  // file is an open of each serve, not a re-creation.
  auto before = cfg("[vnet]\nterminal=true\nstartserve=false\n[serve.s]\nport=1\n");
  auto after = cfg("[vnet]\nterminal=true\n[serve.s]\nport=1\n");
  auto d = diff(before, after);
  ASSERT_EQ(d.serves_changed.size(), 1u);
  EXPECT_TRUE(only_active_differs(before.serves[0], d.serves_changed[0]));
}

// Applying a reload: the steps plan_apply gives, for a table that holds
// `present` keys now.
using serve_step = apply_step<config::serve_config>;
using use_step = apply_step<config::use_config>;

std::string text(const std::vector<serve_step>& steps) {
  std::string out;
  for (const auto& s : steps) {
    out += s.what == serve_step::action::remove       ? "remove "
           : s.what == serve_step::action::set_active ? (s.cfg.active ? "open " : "close ")
                                                        : "add ";
    out += s.key + (s.what == serve_step::action::add ? ":" + std::to_string(s.cfg.port) : "") + "; ";
  }
  return out;
}

std::string text(const std::vector<use_step>& steps) {
  std::string out;
  for (const auto& s : steps) {
    out += s.what == use_step::action::remove       ? "remove "
           : s.what == use_step::action::set_active ? (s.cfg.active ? "open " : "close ")
                                                      : "add ";
    out += s.key + (s.what == use_step::action::add ? ":" + std::to_string(s.cfg.serveid) : "") + "; ";
  }
  return out;
}

TEST(ReloadApply, NothingChangedIsNoStep) {
  auto d = diff(cfg(base), cfg(base));
  EXPECT_TRUE(plan_apply(cfg(base).serves, d, {"ssh", "web"}).empty());
  EXPECT_TRUE(plan_apply(cfg(base).uses, d, {"rdp"}).empty());
}

TEST(ReloadApply, RemovedGoAddedComeChangedAreRecreated) {
  auto before = cfg(base);
  auto after = cfg(
      "[vnet]\nname=home\n"
      "[serve.ssh]\nserveid=700\nport=2222\n"  // changed: re-created, its links closed
      "[serve.db]\nport=5432\n"                 // added; web removed
      "[use.rdp]\nserveid=998\nport=33389\n");  // changed
  auto d = diff(before, after);
  EXPECT_EQ(text(plan_apply(before.serves, d, {"ssh", "web"})), "remove web; remove ssh; add ssh:2222; add db:5432; ");
  EXPECT_EQ(text(plan_apply(before.uses, d, {"rdp"})), "remove rdp; add rdp:998; ");
}

TEST(ReloadApply, OnlyActiveOpensOrClosesInPlace) {
  auto before = cfg("[serve.s]\nport=1\n[use.u]\nserveid=1\n[use.v]\nserveid=2\nactive=no\n");
  auto after = cfg("[serve.s]\nport=1\nactive=no\n[use.u]\nserveid=1\nactive=no\n[use.v]\nserveid=2\n");
  auto d = diff(before, after);
  EXPECT_EQ(text(plan_apply(before.serves, d, {"s"})), "close s; ");
  EXPECT_EQ(text(plan_apply(before.uses, d, {"u", "v"})), "close u; open v; ");
}

TEST(ReloadApply, ActiveAndMoreIsARecreation) {
  auto before = cfg("[serve.s]\nport=1\n");
  auto after = cfg("[serve.s]\nport=2\nactive=no\n");
  auto steps = plan_apply(before.serves, diff(before, after), {"s"});
  EXPECT_EQ(text(steps), "remove s; add s:2; ");
  EXPECT_FALSE(steps[1].cfg.active);
}

TEST(ReloadApply, FollowsWhatTheTerminalDid) {
  auto before = cfg("[serve.gone]\nport=1\n[serve.s]\nport=1\n[use.u]\nserveid=1\n");
  auto after = cfg("[serve.s]\nport=1\nactive=no\n[serve.made]\nport=3\n[use.u]\nserveid=1\nactive=no\n");
  auto d = diff(before, after);
  // The terminal deleted gone and s and made "made": nothing left to remove;
  // s comes back (closed) since it cannot be closed in place; made is replaced.
  EXPECT_EQ(text(plan_apply(before.serves, d, {"made"})), "add s:1; remove made; add made:3; ");
  // The terminal deleted u: it comes back closed.
  auto uses = plan_apply(before.uses, d, {});
  EXPECT_EQ(text(uses), "add u:1; ");
  EXPECT_FALSE(uses[0].cfg.active);
}

}  // namespace
}  // namespace vnet
