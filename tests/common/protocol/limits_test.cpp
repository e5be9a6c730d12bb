#include "protocol/limits.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/error.hpp"

namespace protocol {
namespace {

using bytes = std::vector<std::uint8_t>;

boost::system::error_code decode_error(const message& m, std::uint32_t max = max_payload) {
  auto wire = encode(m);
  std::size_t consumed = 99;
  boost::system::error_code ec;
  auto out = try_decode(wire, consumed, ec, max);
  if (out) {
    EXPECT_EQ(*out, m);
    EXPECT_EQ(consumed, wire.size());
  } else {
    EXPECT_EQ(consumed, 0u);
  }
  return ec;
}

serve_info full_serve(std::uint16_t id) {
  return serve_info{id,
                    std::string(max_name_bytes, 'n'),
                    std::string(max_type_bytes, 't'),
                    std::string(max_ip_bytes, 'i'),
                    65535,
                    std::string(max_info_bytes, 'x')};
}

// The attack of issue 8: a list that outgrew the frame limit dropped a whole
// group. With every field at its maximum, 999 serves still fit one frame.
TEST(Limits, FullGroupServeListFitsOneFrame) {
  serve_query_result q{7, serve_list{5000, {}}};
  for (std::uint16_t id = 1; id <= max_serves_listed; ++id)
    q.list.serves.push_back({full_serve(id), 0xFFFFFFFF, std::string(max_name_bytes, 'v')});
  auto wire = encode(q);
  EXPECT_LE(wire.size() - header_size, max_payload);
  EXPECT_FALSE(decode_error(q));
  EXPECT_FALSE(decode_error(serve_list{q.list}));
}

// Every serveid removed and every serve listed anew, all fields at their
// maximum: the largest update the decoder takes still fits one frame.
TEST(Limits, LargestServeListUpdateFitsOneFrame) {
  serve_list_update u{5000, {}, {}};
  for (std::uint16_t id = 1; id <= max_serves_listed; ++id) {
    u.removed.push_back(id);
    u.changed.push_back({full_serve(id), 0xFFFFFFFF, std::string(max_name_bytes, 'v')});
  }
  EXPECT_LE(encode(u).size() - header_size, max_payload);
  EXPECT_FALSE(decode_error(u));
}

// A keyed group's serves are sealed: the largest sealed entry is larger than
// the largest plain one, and 999 of them still fit one frame, in a list and
// in the largest update.
TEST(Limits, FullSealedServeListFitsOneFrame) {
  serve_info sealed{1, "", std::string(max_type_bytes, 't'), "", 0, "", std::string(max_sealed_bytes, 's')};
  serve_query_result q{7, serve_list{5000, {}}};
  serve_list_update u{5000, {}, {}};
  for (std::uint16_t id = 1; id <= max_serves_listed; ++id) {
    sealed.serveid = id;
    q.list.serves.push_back({sealed, 0xFFFFFFFF, std::string(max_name_bytes, 'v')});
    u.removed.push_back(id);
    u.changed.push_back(q.list.serves.back());
  }
  EXPECT_LE(encode(q).size() - header_size, max_payload);
  EXPECT_FALSE(decode_error(q));
  EXPECT_LE(encode(u).size() - header_size, max_payload);
  EXPECT_FALSE(decode_error(u));
}

// Plain or sealed, never both: a serve with both would let a list outgrow
// its frame.
TEST(Limits, ASealedServeWithPlainFieldsIsRefused) {
  auto sealed = [] { return serve_info{700, "", "tcp", "", 0, "", std::string(100, 's')}; };
  EXPECT_FALSE(decode_error(serve_register{1, sealed()}));
  for (auto change : std::vector<void (*)(serve_info&)>{[](serve_info& s) { s.name = "n"; },
                                                         [](serve_info& s) { s.ip = "1.2.3.4"; },
                                                         [](serve_info& s) { s.port = 22; },
                                                         [](serve_info& s) { s.info = "i"; }}) {
    auto s = sealed();
    change(s);
    auto ec = decode_error(serve_register{1, s});
    EXPECT_EQ(ec, make_error_code(errc::sealed_and_plain));
    EXPECT_TRUE(is_limit_error(ec));
  }
  auto big = sealed();
  big.sealed.assign(max_sealed_bytes + 1, 's');
  auto ec = decode_error(serve_register{1, big});
  EXPECT_EQ(ec, make_error_code(errc::sealed_too_long));
  EXPECT_NE(ec.message().find("sealed longer than 879"), std::string::npos) << ec.message();
}

TEST(Limits, FullVnetListFitsOneFrame) {
  vnet_query_result q{7, {}};
  for (std::uint32_t id = 1; id <= max_vnets_listed; ++id)
    q.vnets.push_back({id, std::string(max_name_bytes, 'v'), 0xFFFFFFFF});
  EXPECT_LE(encode(q).size() - header_size, max_payload);
  EXPECT_FALSE(decode_error(q));
}

TEST(Limits, FullHelloFitsTheOpeningFrame) {
  control_hello h{version, std::string(max_name_bytes, 'n'), std::string(max_group_bytes, 'g'),
                  std::string(max_auth_bytes, 'a')};
  EXPECT_FALSE(decode_error(h, max_opening_payload));
}

// Each field one byte over its limit is refused with its own error code,
// whose message names the field and the limit.
TEST(Limits, EachFieldOverItsLimitIsRefused) {
  auto over = [](std::size_t n) { return std::string(n + 1, 'a'); };
  struct probe {
    message m;
    errc why;
    std::string words;
  };
  auto with_serve = [](auto change) {
    auto s = full_serve(1);
    change(s);
    return serve_register{1, s};
  };
  std::vector<probe> probes = {
      {control_hello{version, over(max_name_bytes), "g", ""}, errc::name_too_long,
       "name longer than 64"},
      {control_hello{version, "n", over(max_group_bytes), ""}, errc::group_too_long,
       "group longer than 128"},
      {control_hello{version, "n", "g", over(max_auth_bytes)}, errc::auth_too_long,
       "auth longer than 512"},
      {with_serve([&](serve_info& s) { s.name = over(max_name_bytes); }), errc::name_too_long,
       "name"},
      {with_serve([&](serve_info& s) { s.type = over(max_type_bytes); }), errc::type_too_long,
       "type longer than 16"},
      {with_serve([&](serve_info& s) { s.ip = over(max_ip_bytes); }), errc::ip_too_long,
       "ip longer than 255"},
      {with_serve([&](serve_info& s) { s.info = over(max_info_bytes); }), errc::info_too_long,
       "info longer than 512"},
      {serve_list{1, {{full_serve(1), 1, over(max_name_bytes)}}}, errc::name_too_long, "name"},
      {serve_list_update{1, {}, {{full_serve(1), 1, over(max_name_bytes)}}},
       errc::name_too_long, "name"},
      {serve_list_update{1, {}, {{with_serve([&](serve_info& s) {
                                    s.info = over(max_info_bytes);
                                  }).serve,
                                  1, "v"}}},
       errc::info_too_long, "info"},
      {vnet_query_result{1, {{1, over(max_name_bytes), 0}}}, errc::name_too_long, "name"},
      {vnet_rename{over(max_name_bytes)}, errc::name_too_long, "name"},
      {unserve_request{1, 2, over(max_ip_bytes), 80}, errc::ip_too_long, "ip"},
      {unserve_request{1, 2, "127.0.0.1", 80, over(max_type_bytes)}, errc::type_too_long, "type"},
      {error{0, over(max_reason_bytes)}, errc::reason_too_long, "reason longer than 1024"},
      {serve_result{1, false, 0, over(max_reason_bytes)}, errc::reason_too_long, "reason"},
      {link_failed{1, over(max_reason_bytes)}, errc::reason_too_long, "reason"},
      {link_result{false, over(max_reason_bytes)}, errc::reason_too_long, "reason"},
      {unserve_result{1, false, 0, over(max_reason_bytes)}, errc::reason_too_long, "reason"},
  };
  for (const auto& p : probes) {
    auto ec = decode_error(p.m);
    EXPECT_EQ(ec, make_error_code(p.why)) << name_of(type_of(p.m)) << ": " << ec.message();
    EXPECT_TRUE(is_limit_error(ec));
    EXPECT_NE(ec.message().find(p.words), std::string::npos) << ec.message();
    EXPECT_EQ(check_limits(p.m), ec);
  }
}

TEST(Limits, ListsOverTheirLimitAreRefused) {
  serve_list l{1, {}};
  for (std::size_t i = 0; i <= max_serves_listed; ++i) l.serves.push_back({serve_info{}, 1, "v"});
  auto ec = decode_error(l);
  EXPECT_EQ(ec, make_error_code(errc::too_many_serves));
  EXPECT_NE(ec.message().find("999 entries"), std::string::npos) << ec.message();
  EXPECT_EQ(decode_error(serve_query_result{1, l}), make_error_code(errc::too_many_serves));
  EXPECT_EQ(decode_error(serve_list_update{1, {}, l.serves}),
            make_error_code(errc::too_many_serves));
  EXPECT_EQ(decode_error(serve_list_update{1, std::vector<std::uint16_t>(max_serves_listed + 1, 7), {}}),
            make_error_code(errc::too_many_serves));

  vnet_query_result v{1, {}};
  for (std::size_t i = 0; i <= max_vnets_listed; ++i) v.vnets.push_back({1, "v", 0});
  EXPECT_EQ(decode_error(v), make_error_code(errc::too_many_vnets));
}

// A route once had serve list updates with serveids up to 65 535 accepted:
// every serveid field, alone or in a list, is refused over 999, in both
// directions (the route decodes with the same check).
TEST(Limits, EveryServeidOver999IsRefused) {
  const std::uint16_t bad = max_serveid + 1;
  const auto over = make_error_code(errc::serveid_too_big);
  EXPECT_EQ(decode_error(serve_list{1, {{serve_info{bad, "s", "tcp", "127.0.0.1", 22, ""}, 1, "v"}}}), over);
  EXPECT_EQ(decode_error(serve_list_update{1, {}, {{serve_info{bad, "s", "tcp", "127.0.0.1", 22, ""}, 1, "v"}}}),
            over);
  EXPECT_EQ(decode_error(serve_list_update{1, {7, 65535}, {}}), over);
  EXPECT_EQ(decode_error(serve_register{1, serve_info{bad, "s", "tcp", "127.0.0.1", 22, ""}}), over);
  EXPECT_EQ(decode_error(serve_result{1, true, bad, ""}), over);
  EXPECT_EQ(decode_error(unserve_result{1, true, bad, ""}), over);
  EXPECT_EQ(decode_error(link_request{1, bad, {}}), over);
  EXPECT_EQ(decode_error(link_bind{bad}), over);
  EXPECT_EQ(decode_error(link_assign{1, bad, {}}), over);
  EXPECT_NE(over.message().find("over 999"), std::string::npos) << over.message();
  EXPECT_TRUE(is_limit_error(over));
  // 999 and 0 (none, or "the route picks") pass.
  EXPECT_FALSE(decode_error(serve_list_update{1, {max_serveid}, {}}));
  EXPECT_FALSE(decode_error(serve_result{1, false, 0, "no"}));
}

TEST(Limits, UnicodeNameAtTheByteLimitIsAccepted) {
  std::string name;
  while (name.size() + 3 <= max_name_bytes) name += "网";  // 3 bytes each
  EXPECT_FALSE(decode_error(vnet_rename{name}));
  EXPECT_EQ(decode_error(vnet_rename{name + "页"}), make_error_code(errc::name_too_long));
}

// Issue 8 item 6: names, groups, info (and ip, type) are text, not controls.
TEST(Limits, ControlCharactersInTextFieldsAreRefused) {
  for (std::string bad : {std::string("a\nFORGED"), std::string("\x1b[31m"), std::string("a\tb"),
                          std::string("del\x7f"), std::string("c1\xc2\x85"),
                          std::string("nul\0x", 5), std::string("bad\xff")}) {
    EXPECT_EQ(decode_error(control_hello{version, bad, "g", ""}),
              make_error_code(errc::name_not_text));
    EXPECT_EQ(decode_error(control_hello{version, "n", bad, ""}),
              make_error_code(errc::group_not_text));
    EXPECT_EQ(decode_error(vnet_rename{bad}), make_error_code(errc::name_not_text));
    auto s = full_serve(1);
    s.info = bad;
    EXPECT_EQ(decode_error(serve_register{1, s}), make_error_code(errc::info_not_text));
    s = full_serve(1);
    s.name = bad;
    EXPECT_EQ(decode_error(serve_list{1, {{s, 1, "v"}}}), make_error_code(errc::name_not_text));
    EXPECT_EQ(decode_error(serve_list{1, {{full_serve(1), 1, bad}}}),
              make_error_code(errc::name_not_text));
    EXPECT_EQ(decode_error(serve_list_update{1, {}, {{s, 1, "v"}}}),
              make_error_code(errc::name_not_text));
    EXPECT_EQ(decode_error(vnet_query_result{1, {{1, bad, 0}}}),
              make_error_code(errc::name_not_text));
    EXPECT_EQ(decode_error(unserve_request{1, 2, bad, 80}), make_error_code(errc::ip_not_text));
  }
  // Printable non-ASCII text is fine.
  EXPECT_FALSE(decode_error(control_hello{version, "办公室", "équipe 🚀", ""}));
}

}  // namespace
}  // namespace protocol
