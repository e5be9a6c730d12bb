// Every configuration error names the file, section, key and bad value.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "config_test_util.hpp"

namespace config {
namespace {

using namespace config::test;

// ---- errors --------------------------------------------------------------

struct bad_case {
  const char* text;
  const char* message;
};

// Appended to a valid [route]; each message follows "t.ini: ".
const bad_case vnet_errors[] = {
    {"[serve.ssh]\nserveid=1\n", "[serve.ssh] port is required"},
    {"[serve.empty]\n", "[serve.empty] port is required"},
    {"[serve.ssh]\nport=abc\n", "[serve.ssh] port = \"abc\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=0\n", "[serve.ssh] port = \"0\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=-1\n", "[serve.ssh] port = \"-1\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=+22\n", "[serve.ssh] port = \"+22\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=0x16\n", "[serve.ssh] port = \"0x16\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=65536\n", "[serve.ssh] port = \"65536\": not a port number (1-65535)"},
    {"[serve.ssh]\nport=99999999999999999999\n",
     "[serve.ssh] port = \"99999999999999999999\": not a port number (1-65535)"},
    {"[serve.a]\nserveid=1000\nport=1\n", "[serve.a] serveid = \"1000\": not a serveid (0-999)"},
    {"[serve.a]\nserveid=7a\nport=1\n", "[serve.a] serveid = \"7a\": not a serveid (0-999)"},
    {"[use.a]\nserveid=-1\n", "[use.a] serveid = \"-1\": not a serveid (0-999)"},
    {"[use.a]\nserveid=1\nport=0\n", "[use.a] port = \"0\": not a port number (1-65535)"},
    {"[use.a]\nserveid=1\nip=localhost\n",
     "[use.a] ip = \"localhost\": not an IP address (IPv4 or IPv6)"},
    {"[vnet]\nunserve_num=-1\n", "[vnet] unserve_num = \"-1\": not a whole number (0-4294967295)"},
    {"[vnet]\nterminal=maybe\n",
     "[vnet] terminal = \"maybe\": not a boolean (true/false, yes/no, on/off, 1/0)"},
    {"[serve.dns]\ntype=sctp\nport=53\n", "[serve.dns] type = \"sctp\": tcp or udp"},
    {"[serve.dns]\ntype=\nport=53\n", "[serve.dns] type = \"\": tcp or udp"},
    {"[use.dns]\nserveid=700\ntype=dccp\n", "[use.dns] type = \"dccp\": tcp or udp"},
    {"[serve.a]\nip=\nport=1\n", "[serve.a] ip = \"\": must not be empty"},
    {"[vnet]\ngroup=\n", "[vnet] group = \"\": must not be empty"},
    {"[vnet]\ngroup_key=short\n",
     "[vnet] group_key = \"short\": is too short: use at least 16 characters (`vnet --gen-key` prints "
     "a strong one)"},
    {"[vnet]\ngroup=k-0123456789abcdef0123456789abcdef\n",
     "[vnet] group = \"k-0123456789abcdef0123456789abcdef\": is the form a group_key gives the route "
     "(k- and 32 hex digits): reserved; choose another name, or set group_key"},
    {"[vnet]\nname= ; nothing\n", "[vnet] name = \"\": must not be empty"},
    {"[serve.]\nport=1\n", "[serve.] needs a name after the dot, e.g. [serve.ssh]"},
    {"[use.]\nserveid=1\n", "[use.] needs a name after the dot, e.g. [use.ssh]"},
    {"[serve.a]\nserveid=700\nport=1\n[serve.b]\nserveid=0700\nport=2\n",
     "[serve.b] serveid = \"0700\": already used by [serve.a]"},
    {"[use.a]\nserveid=1\nport=1122\n[use.b]\nserveid=2\nport=1122\n",
     "[use.b] port = \"1122\": 127.0.0.1 port 1122 is already used by [use.a]"},
    {"[use.a]\nserveid=1\nip=::1\nport=5\n[use.b]\nserveid=2\nip=0::1\nport=5\n",
     "[use.b] port = \"5\": 0::1 port 5 is already used by [use.a]"},
    {"[use.a]\nserveid=1\nport=53\n[use.b]\nserveid=2\nport=53\ntype=udp\n",
     "[use.b] port = \"53\": 127.0.0.1 port 53 is already used by [use.a] (a tcp and a udp use may "
     "share it when both set type)"},
    {"[use.a]\nserveid=1\nport=53\ntype=udp\n[use.b]\nserveid=2\nport=53\ntype=udp\n",
     "[use.b] port = \"53\": 127.0.0.1 port 53 is already used by [use.a] (a tcp and a udp use may "
     "share it when both set type)"},
};

TEST(Errors, VnetValues) {
  for (const auto& c : vnet_errors)
    EXPECT_EQ(vnet_error(c.text), std::string("t.ini: ") + c.message) << c.text;
}

// Whole files; each message follows "r.ini: " (route) or "t.ini: " (vnet).
const bad_case route_errors[] = {
    {"[vnet]\nname=x\n", "[route] ip is required"},
    {"[rout]\nip=1.2.3.4\nport=1\n",
     "[route] ip is required (there is no [route] section; is [rout] a typo of it?)"},
    {"[route]\nip=1.2.3.4\n", "[route] port is required"},
    {"[route]\nip=route.example.com\nport=1\n",
     "[route] ip = \"route.example.com\": not an IP address (IPv4 or IPv6)"},
    {"[route]\nip=1.2.3.4\nport=65536\n", "[route] port = \"65536\": not a port number (0-65535)"},
    {"[route]\nip=::1\nport=1\ntls_cert=c.pem\n",
     "[route] tls_cert = \"c.pem\": needs tls_key too (the certificate's private key)"},
    {"[route]\nip=::1\nport=1\ntoken=has spaces in it ok\n",
     "[route] token = \"has spaces in it ok\": must be printable text without spaces"},
    {"[route]\nip=::1\nport=1\nlink_timeout=0\n",
     "[route] link_timeout = \"0\": not a duration in seconds (e.g. 0.5; 0.001-86400)"},
};
const bad_case vnet_route_errors[] = {
    {"[route]\nip=h\nport=1\ntoken=0123456789\n",
     "[route] token = \"0123456789\": is too short: use at least 16 characters (`route --gen-token` "
     "prints a strong one)"},
    {"[route]\nip=h\nport=1\nfingerprint=SHA256:abc\n",
     "[route] fingerprint = \"SHA256:abc\": is not a key fingerprint: expected SHA256: and 43 "
     "characters, as the route prints it at start"},
    {"[route]\nport=1\n", "[route] ip is required"},
    {"[route]\nip=\nport=1\n", "[route] ip = \"\": must not be empty"},
    {"[route]\nip=h\nport=0\n", "[route] port = \"0\": not a port number (1-65535)"},
};

TEST(Errors, RouteSection) {
  for (const auto& c : route_errors)
    EXPECT_EQ(route_error(c.text), std::string("r.ini: ") + c.message) << c.text;
  for (const auto& c : vnet_route_errors)
    EXPECT_EQ(error_of([&] { parse_vnet_config(c.text, "t.ini"); }),
              std::string("t.ini: ") + c.message);
}

TEST(Errors, BadDurations) {
  for (const char* d : {"0", "-1", "abc", "1e3", "inf", "nan", "0.0001", "86401", "1s", ""}) {
    EXPECT_EQ(vnet_error(std::string("[vnet]\nreconnect=") + d + "\n"),
              std::string("t.ini: [vnet] reconnect = \"") + d +
                  "\": not a duration in seconds (e.g. 0.5; 0.001-86400)");
  }
}

TEST(Errors, BadLimits) {
  for (const char* v : {"0", "-1", "abc", "1.5", "1000001", "99999999999", ""}) {
    EXPECT_EQ(route_error(std::string("[route]\nip=::\nport=0\nmax_serves_per_vnet=") + v + "\n"),
              std::string("r.ini: [route] max_serves_per_vnet = \"") + v +
                  "\": not a limit (a whole number, 1-1000000)");
    EXPECT_EQ(vnet_error(std::string("[vnet]\nmax_links_per_serve=") + v + "\n"),
              std::string("t.ini: [vnet] max_links_per_serve = \"") + v +
                  "\": not a limit (auto, or a whole number, 1-1000000)");
  }
  for (const char* v : {"-1", "abc", "1.5", "1025", "99999999999", ""}) {
    EXPECT_EQ(vnet_error(std::string("[vnet]\nmax_idle_links=") + v + "\n"),
              std::string("t.ini: [vnet] max_idle_links = \"") + v +
                  "\": not a pool size (a whole number, 0-1024)");
  }
  EXPECT_EQ(parse_route_config("[route]\nip=::\nport=0\nmax_unidentified=1000000\n", "r.ini")
                .limits.max_unidentified,
            1000000u);
}

TEST(Errors, BadUnserveTimeouts) {
  EXPECT_EQ(vnet_error("[vnet]\nunserve_unused_timeout=3m\n"),
            "t.ini: [vnet] unserve_unused_timeout = \"3m\": not a duration in seconds "
            "(e.g. 0.5; 0.001-86400)");
  EXPECT_EQ(vnet_error("[vnet]\nunserve_idle_timeout=0\n"),
            "t.ini: [vnet] unserve_idle_timeout = \"0\": not a duration in seconds "
            "(e.g. 0.5; 0.001-86400)");
}

TEST(Errors, NoConflictWithoutSameIdOrListenAddress) {
  EXPECT_EQ(vnet("[serve.a]\nport=1\n[serve.b]\nserveid=000\nport=2\n").serves.size(), 2u);
  auto c = vnet(
      "[use.a]\nserveid=1\nport=5\n[use.b]\nserveid=2\nip=127.0.0.2\nport=5\n"
      "[use.c]\nserveid=3\n[use.d]\nserveid=4\n");
  EXPECT_EQ(c.uses.size(), 4u);
}

TEST(Errors, FileLevel) {
  auto bad = fixture("bad_syntax.ini");
  EXPECT_EQ(error_of([&] { load_vnet_config(bad); }), bad + ":7: syntax error: [serve.web");
  auto dup = fixture("bad_duplicate_key.ini");
  EXPECT_EQ(error_of([&] { load_vnet_config(dup); }),
            dup + ":7: [vnet] name is set twice (first on line 6)");
  auto port = fixture("bad_serve_port.ini");
  EXPECT_EQ(error_of([&] { load_vnet_config(port); }),
            port + ": [serve.ssh] port = \"abc\": not a port number (1-65535)");
  auto missing = fixture("does_not_exist.ini");
  EXPECT_EQ(error_of([&] { load_vnet_config(missing); }),
            missing + ": cannot read: " + std::strerror(ENOENT));
  EXPECT_EQ(error_of([] { load_route_config(VNET_FIXTURES); }),
            std::string(VNET_FIXTURES) + ": cannot read: " + std::strerror(EISDIR));
  EXPECT_EQ(error_of([] {
              parse_vnet_config(route_head + "[vnet]\nname=" + std::string(70000, 'n'), "t.ini");
            }),
            "t.ini:5: line too long (70005 bytes, at most 65536)");
}

// ---- warnings ------------------------------------------------------------

// A file with five mistakes is fixed in one run: every problem is reported,
// in file order, with the warnings found meanwhile.
TEST(Errors, EveryProblemOfAFileAtOnce) {
  const std::string text = route_head +
                           "[vnet]\nname=t\nheartbaet=6\nheartbeat=soon\n"  // lines 4-7
                           "this is not a key\n"                               // line 8
                           "[serve.ssh]\nserveid=7000\nport=abc\nport=22\n"  // lines 9-12
                           "[serve.web]\nserveid=701\n"                       // lines 13-14
                           "[use.a]\nserveid=700\nport=1122\n[use.b]\nserveid=701\nport=1122\n";
  try {
    parse_vnet_config(text, "t.ini");
    FAIL() << "no error";
  } catch (const error& e) {
    const std::vector<std::string> expected = {
        "t.ini:8: syntax error: this is not a key",
        "t.ini:12: [serve.ssh] port is set twice (first on line 11)",
        "t.ini: [vnet] heartbeat = \"soon\": not a duration in seconds (e.g. 0.5; 0.001-86400)",
        "t.ini: [serve.ssh] port = \"abc\": not a port number (1-65535)",
        "t.ini: [serve.ssh] serveid = \"7000\": not a serveid (0-999)",
        "t.ini: [serve.web] port is required",
        "t.ini: [use.b] port = \"1122\": 127.0.0.1 port 1122 is already used by [use.a]",
    };
    EXPECT_EQ(e.problems(), expected);
    std::string joined;
    for (const auto& p : expected) joined += (joined.empty() ? "" : "\n") + p;
    EXPECT_EQ(std::string(e.what()), joined);
    EXPECT_TRUE(has_warning(e.warnings(), "[vnet] unknown key \"heartbaet\" (line 6) ignored"));
    EXPECT_EQ(e.unknown(), 1u);
  }
}

TEST(Errors, EveryProblemOfARouteFileAtOnce) {
  try {
    parse_route_config("[route]\nip=10.0.0.1\nport=99999\ntimeout=soon\ntls_cert=c.pem\n", "r.ini");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.problems(), (std::vector<std::string>{
                                "r.ini: [route] port = \"99999\": not a port number (0-65535)",
                                "r.ini: [route] timeout = \"soon\": not a duration in seconds (e.g. 0.5; 0.001-86400)",
                                "r.ini: [route] tls_cert = \"c.pem\": needs tls_key too (the certificate's private key)",
                            }));
  }
}

// A vnet once started without its group key because of `group-key=` (a
// warning only) and joined the group unkeyed. A near miss of a secret's key
// stops the start, in every section that holds one.
TEST(Errors, AMisspelledSecretKeyStopsTheStart) {
  const std::string secret_words = "A secret's key must be spelled right: without it the daemon would run unprotected";
  try {
    parse_vnet_config("[route]\nip=10.0.0.1\nport=7749\ntokne=0123456789abcdef0123\nfingerprnt=SHA256:x\n"
                      "[vnet]\ngroup-key=0123456789abcdef0123\n",
                      "t.ini");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.problems(), (std::vector<std::string>{
                                "t.ini: [route] unknown key \"tokne\" (line 4): did you mean \"token\"? " + secret_words,
                                "t.ini: [route] unknown key \"fingerprnt\" (line 5): did you mean \"fingerprint\"? " +
                                    secret_words,
                                "t.ini: [vnet] unknown key \"group-key\" (line 7): did you mean \"group_key\"? " +
                                    secret_words,
                            }));
  }
  try {
    parse_route_config("[route]\nip=10.0.0.1\nport=7749\nstatus-token=0123456789abcdef0123\n", "r.ini");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.problems(), (std::vector<std::string>{"r.ini: [route] unknown key \"status-token\" (line 4): did "
                                                      "you mean \"status_token\"? " + secret_words}));
  }
}

TEST(Warnings, UnknownSectionsAndKeys) {
  auto c = vnet(
      "[vnet]\ncolour=blue\n[serve.a]\nport=1\nproto=x\n[use.a]\nserveid=1\nhost=y\n"
      "[extra]\nk=v\n[empty]\n");
  EXPECT_TRUE(has_warning(c.warnings, "t.ini: [vnet] unknown key \"colour\" (line 5) ignored"));
  EXPECT_TRUE(has_warning(c.warnings, "[serve.a] unknown key \"proto\""));
  EXPECT_TRUE(has_warning(c.warnings, "[use.a] unknown key \"host\""));
  EXPECT_TRUE(has_warning(c.warnings, "t.ini: unknown section [extra] ignored"));
  EXPECT_TRUE(has_warning(c.warnings, "unknown section [empty]"));
  EXPECT_EQ(c.warnings.size(), 5u);

  auto r = parse_route_config(route_head + "colour=red\n[anything]\nk=v\n", "r.ini");
  EXPECT_EQ(r.warnings,
            std::vector<std::string>{"r.ini: [route] unknown key \"colour\" (line 4) ignored"});
}

TEST(Warnings, KeyOutsideAnySection) {
  auto c = parse_vnet_config("stray=1\n" + route_head, "t.ini");
  EXPECT_EQ(c.warnings, std::vector<std::string>{
                            "t.ini: key \"stray\" (line 1) is outside any section: ignored"});
}

TEST(Warnings, RouteDaemonKeysAreExpectedInAVnetFile) {
  EXPECT_TRUE(vnet("[route]\n").warnings.empty());  // merges with the head
  auto c = parse_vnet_config(
      route_head + "heartbeat=1\ntimeout=2\nhandshake_timeout=3\nlink_timeout=4\n", "t.ini");
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Warnings, UseWithoutServeidIsKeptButNotOpened) {
  auto c = vnet("[use.a]\nport=1\n[use.b]\nserveid=000\n");
  ASSERT_EQ(c.uses.size(), 2u);
  EXPECT_EQ(c.uses[0].serveid, 0);
  EXPECT_EQ(c.uses[0].port, 1);
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{"t.ini: [use.a] has no serveid: it will not be opened",
                                      "t.ini: [use.b] has no serveid: it will not be opened"}));
}

TEST(Warnings, AnUnreadableServeidIsAnErrorAlone) {
  try {
    parse_vnet_config(route_head + "[use.rdp]\nserveid=3389\n", "t.ini");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.problems(), std::vector<std::string>{"t.ini: [use.rdp] serveid = \"3389\": not a serveid (0-999)"});
    EXPECT_TRUE(e.warnings().empty());
  }
}

}  // namespace
}  // namespace config
