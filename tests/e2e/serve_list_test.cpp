// Serve-list changes travel as deltas (issue 8, item 3): a vnet gets its
// group's list whole once per session, then only what changed, so N vnets
// joining a group cost each member O(N) bytes in total, not O(N^2); a group
// holds a bounded number of vnets; a storm of joins leaves link setup fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "fake_vnet.hpp"
#include "harness.hpp"
#include "protocol/error.hpp"
#include "protocol/serve_list_update.hpp"
#include "route/front/tls_identity.hpp"

namespace e2e {
namespace {

// A member's view of its group's list, built from what the route pushes.
struct observer {
  protocol::serve_list list;
  bool have_list = false;
  std::size_t bytes = 0;  // serve-list frames pushed to it, header included

  // Reads pushes until `done(list)` holds; false at the deadline.
  bool until(client_socket& s, const std::function<bool(const protocol::serve_list&)>& done,
             std::chrono::milliseconds timeout = 30s) {
    auto deadline = clock::now() + timeout;
    while (!have_list || !done(list)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0) return false;
      auto m = s.recv_message(left);
      if (!m) return false;
      if (auto* l = std::get_if<protocol::serve_list>(&*m)) {
        list = *l;
        have_list = true;
        bytes += protocol::encode(*m).size();
      } else if (auto* u = std::get_if<protocol::serve_list_update>(&*m)) {
        EXPECT_TRUE(have_list) << "an update came before the list";
        protocol::apply(list, *u);
        bytes += protocol::encode(*m).size();
      }
    }
    return true;
  }
};

// Registers a serve with `info_bytes` of info: big entries make a whole
// list expensive, which is what a push of the whole list used to cost.
bool serve_big(fake_vnet& v, std::uint16_t serveid, std::size_t info_bytes) {
  protocol::serve_info s{serveid, "svc" + std::to_string(serveid), "tcp", "127.0.0.1", 9,
                         std::string(info_bytes, 'i')};
  if (!v.control().send_message(protocol::serve_register{serveid, s})) return false;
  for (;;) {
    auto m = v.control().recv_message(5s);
    if (!m) return false;
    if (auto* r = std::get_if<protocol::serve_result>(&*m)) return r->ok && r->serveid == serveid;
  }
}

// The n-th session of a storm: a control session from 127.0.0.(2 + n / 50),
// welcomed into `group`. A storm comes from many addresses (and the route
// caps the sessions of one); invalid when the route did not welcome it.
client_socket join_group(std::uint16_t port, const std::string& group, std::size_t n) {
  client_socket s;
  if (!s.connect_from("127.0.0." + std::to_string(2 + n / 50), port) || !s.start_tls()) return {};
  if (!s.send_message(protocol::control_hello{protocol::version, "storm" + std::to_string(n), group, {}}))
    return {};
  auto m = s.recv_message(10s);
  if (!m || !std::holds_alternative<protocol::welcome>(*m)) return {};
  return s;
}

TEST(ServeList, JoinsAndLeavesCostEachMemberAFewBytes) {
  world w;
  route_options opts;
  opts.timeout_s = 120;  // the hand-played vnets never ping
  auto port = w.start_route(0, opts);
  fake_vnet first(port, "first", "g");
  ASSERT_TRUE(first.ok());
  auto owner = std::make_unique<fake_vnet>(port, "owner", "g");
  ASSERT_TRUE(owner->ok());
  for (std::uint16_t id = 500; id < 510; ++id) ASSERT_TRUE(serve_big(*owner, id, 500));
  observer o;
  ASSERT_TRUE(o.until(first.control(), [](const auto& l) { return l.vnets == 2 && l.serves.size() == 10; }));
  const auto whole = protocol::encode(o.list).size();  // about 5.5 KB
  EXPECT_GT(whole, 10 * 500u);

  constexpr std::size_t joins = 200;
  o.bytes = 0;
  std::vector<client_socket> others;
  for (std::size_t i = 0; i < joins; ++i) {
    others.push_back(join_group(port, "g", i));
    ASSERT_TRUE(others.back().valid()) << i;
  }
  ASSERT_TRUE(o.until(first.control(), [](const auto& l) { return l.vnets == 2 + joins; }));
  // A join of a vnet without serves is a count-only update (18 bytes); the
  // whole list for each would be joins * whole (about 1.1 MB).
  EXPECT_LT(o.bytes, joins * 32) << "whole list: " << whole << " bytes";
  std::cout << "[ figures  ] " << joins << " joins: " << o.bytes << " bytes pushed to a member (whole list "
            << whole << " bytes)\n";

  o.bytes = 0;
  others.clear();
  ASSERT_TRUE(o.until(first.control(), [](const auto& l) { return l.vnets == 2; }));
  EXPECT_LT(o.bytes, joins * 32);

  // What the updates built is the route's list, names and all.
  ASSERT_TRUE(first.control().send_message(protocol::serve_query{77}));
  std::optional<protocol::serve_query_result> q;
  while (!q) {
    auto m = first.control().recv_message(5s);
    ASSERT_TRUE(m);
    if (auto* r = std::get_if<protocol::serve_query_result>(&*m)) q = *r;
  }
  EXPECT_EQ(q->list, o.list);

  // The owner leaves: one update removes its ten serves.
  o.bytes = 0;
  owner.reset();
  ASSERT_TRUE(o.until(first.control(), [](const auto& l) { return l.vnets == 1 && l.serves.empty(); }));
  EXPECT_LT(o.bytes, 64u);
}

TEST(ServeList, AGroupRefusesTheVnetOverItsBound) {
  world w;
  route_options opts;
  opts.timeout_s = 60;
  opts.max_group_vnets = 3;
  auto port = w.start_route(0, opts);
  std::vector<std::unique_ptr<fake_vnet>> members;
  for (int i = 0; i < 3; ++i) {
    members.push_back(std::make_unique<fake_vnet>(port, "m" + std::to_string(i), "g"));
    ASSERT_TRUE(members.back()->ok());
  }
  client_socket extra;
  ASSERT_TRUE(extra.connect(port));
  ASSERT_TRUE(extra.start_tls());
  ASSERT_TRUE(extra.send_message(protocol::control_hello{protocol::version, "extra", "g", {}}));
  auto m = extra.recv_message();
  ASSERT_TRUE(m);
  auto* e = std::get_if<protocol::error>(&*m);
  ASSERT_TRUE(e) << protocol::name_of(protocol::type_of(*m));
  EXPECT_EQ(e->code, static_cast<std::uint16_t>(protocol::errc::too_many_vnets));
  EXPECT_EQ(e->message, "group 'g' is full: one group may hold at most 3 vnets");
  EXPECT_TRUE(extra.closed_within(5s));
  EXPECT_TRUE(w.wait_for_log("vnet 'extra' from 127\\.0\\.0\\.1:[0-9]+ refused: group 'g' is full"));

  // Other groups and the members are untouched; a leave makes room again.
  fake_vnet elsewhere(port, "elsewhere", "h");
  EXPECT_TRUE(elsewhere.ok());
  ASSERT_TRUE(members[0]->control().send_message(protocol::ping{1, 2}));
  auto pong = members[0]->control().recv_message();
  while (pong && !std::holds_alternative<protocol::pong>(*pong)) pong = members[0]->control().recv_message();
  EXPECT_TRUE(pong);
  members.pop_back();
  EXPECT_TRUE(eventually([&] { return fake_vnet(port, "again", "g").ok(); }));
}

// The attack of issue 8: 2000 sessions join one group. Each join costs each
// member one count-only update, so the storm ends quickly and a legitimate
// link set up beside it stays fast. The group holds 50 serves with 400 bytes
// of info each: pushing the whole list (20 KB) to every member on every join
// would write about 40 GB.
TEST(ServeList, TwoThousandJoinsLeaveLinkSetupFast) {
  route_options opts;
  opts.timeout_s = 300;  // the storm's sessions never ping
  // What is measured is each join's cost to the group: the bounds on joins
  // themselves (sessions per network, handshakes per second) stand aside.
  opts.limits.max_sessions_per_network = 5000;
  opts.limits.max_handshakes_per_second = 100000;
  tunnel t([](world& w) { return w.start_echo(); }, opts);
  ASSERT_TRUE(t.echoes());
  const auto port = t.w.route_port();
  fake_vnet owner(port, "owner");
  ASSERT_TRUE(owner.ok());
  for (std::uint16_t id = 1; id <= 50; ++id) ASSERT_TRUE(serve_big(owner, id, 400));
  // The owner reads nothing during the storm: what the route pushes to it
  // waits in its socket, to be counted after. What came before is read now,
  // up to the push that lists its last serve.
  for (bool last_listed = false; !last_listed;) {
    auto m = owner.control().recv_message(10s);
    ASSERT_TRUE(m);
    if (auto* u = std::get_if<protocol::serve_list_update>(&*m))
      for (const auto& c : u->changed) last_listed = last_listed || c.serve.serveid == 50;
  }

  constexpr int sessions = 2000;
  std::atomic<bool> storming{true};
  std::atomic<int> joined{0};
  auto storm_start = clock::now();
  std::chrono::milliseconds join_time{0}, leave_time{0};
  std::thread storm([&] {
    // They read nothing after their welcome: the updates (at most 2000 * 18
    // bytes each way) wait in their socket buffers.
    std::vector<client_socket> held;
    held.reserve(sessions);
    for (int i = 0; i < sessions; ++i) {
      auto s = join_group(port, "default", i);
      if (!s.valid()) break;
      held.push_back(std::move(s));
      ++joined;
    }
    join_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - storm_start);
    held.clear();  // and all leave at once
    storming = false;
  });

  // Link setups beside the storm: connect to the use, first bytes echoed.
  std::vector<double> setup_ms;
  int failed = 0;
  while (storming || setup_ms.size() < 20) {
    auto t0 = clock::now();
    client_socket c;
    if (!c.connect(t.use_port()) || !c.send_all(std::string("ping")) || !c.recv_exact(4, 5s)) {
      ++failed;
      if (failed > 5) break;
      continue;
    }
    setup_ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
  }
  storm.join();
  ASSERT_EQ(joined, sessions);
  // The leaves were pushed as well: the group is back to home, office, owner.
  ASSERT_TRUE(eventually([&] { return t.w.on_io([&] { return t.w.route_server().state().group_size("default"); }) == 3; },
                         120s));
  leave_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - storm_start) - join_time;
  // What the storm cost a member: the pushes the owner got, up to the one
  // that says the group is back to three.
  std::size_t pushes = 0, pushed_bytes = 0;
  std::uint32_t most = 3;
  for (;;) {
    auto m = owner.control().recv_message(30s);
    ASSERT_TRUE(m) << pushes << " pushes read";
    auto* u = std::get_if<protocol::serve_list_update>(&*m);
    if (!u) continue;
    ++pushes;
    pushed_bytes += protocol::encode(*m).size();
    most = std::max(most, u->vnets);
    if (most > 3 && u->vnets == 3) break;
  }
  EXPECT_LE(failed, 0);
  std::sort(setup_ms.begin(), setup_ms.end());
  auto pct = [&](double p) { return setup_ms[static_cast<std::size_t>(p * (setup_ms.size() - 1))]; };
  std::cout << "[ figures  ] " << sessions << " joins in " << join_time.count() << " ms, leaves in "
            << leave_time.count() << " ms; " << setup_ms.size() << " link setups: p50 " << pct(0.5)
            << " ms, p99 " << pct(0.99) << " ms, max " << setup_ms.back() << " ms; a member got "
            << pushes << " pushes, " << pushed_bytes << " bytes\n";
  // A route that pushed whole lists, or one push per join, would spend the
  // storm writing, and every setup beside it would wait. What it writes is
  // counted rather than the setups timed (a shared CPU stalls those by 100 ms
  // and more): the 4000 joins and leaves reach a member batched, in fewer
  // pushes than joins, and each push is a count-only update (18 bytes; the
  // whole list is 20 KB).
  EXPECT_LT(pushes, static_cast<std::size_t>(sessions));
  EXPECT_LT(pushed_bytes, pushes * 32);
  // (The storm's own time, printed above, is not bounded: 2000 TLS
  // handshakes take 60 to 90 s on a loaded 2-core machine, and what would
  // make the route slow them, whole lists or a push per join, is counted.)
  // The vnets' copies followed every change: the tunnel still works.
  EXPECT_TRUE(t.echoes());
  EXPECT_TRUE(eventually([&] {
    auto list = t.w.on_io([&] { return t.office->group_serves(); });
    return list.vnets == 3 && list.serves.size() == 51;
  }, 60s));
}

}  // namespace
}  // namespace e2e
