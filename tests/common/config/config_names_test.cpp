// Typos and names: unknown keys and sections with a did-you-mean, section
// kinds in any case, the NAME rule of [serve.NAME] / [use.NAME], and long
// non-ASCII values.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config_test_util.hpp"

namespace config {
namespace {

using namespace config::test;

TEST(Typos, UnknownKeysNameTheClosestKnownKey) {
  auto c = vnet("[vnet]\ntermial=true\n[serve.ssh]\nservied=700\nport=22\n"
                "[use.x]\nserveid=700\nprot=2222\nactiv=false\n");
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{
                "t.ini: [vnet] unknown key \"termial\" (line 5) ignored; did you mean "
                "\"terminal\"?",
                "t.ini: [serve.ssh] unknown key \"servied\" (line 7) ignored; did you mean "
                "\"serveid\"?",
                "t.ini: [use.x] unknown key \"prot\" (line 11) ignored; did you mean \"port\"?",
                "t.ini: [use.x] unknown key \"activ\" (line 12) ignored; did you mean "
                "\"active\"?"}));
  EXPECT_EQ(c.unknown, 4u);
  // The daemon still starts with what it understood.
  EXPECT_FALSE(c.terminal);
  EXPECT_EQ(c.serves.at(0).serveid, 0);
}

TEST(Typos, FarFromEveryKeyHasNoSuggestion) {
  auto c = vnet("[vnet]\ncolour=blue\nxy=1\n");
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{"t.ini: [vnet] unknown key \"colour\" (line 5) ignored",
                                      "t.ini: [vnet] unknown key \"xy\" (line 6) ignored"}));
  EXPECT_EQ(c.unknown, 2u);
}

TEST(Typos, HugeUnknownKeyIsCheap) {
  auto c = vnet("[vnet]\n" + std::string(60000, 'k') + "=1\n");
  EXPECT_EQ(c.unknown, 1u);
}

TEST(Typos, RouteKeysAreCountedToo) {
  auto r = parse_route_config(route_head + "timeot=3\n", "r.ini");
  EXPECT_EQ(r.warnings, std::vector<std::string>{"r.ini: [route] unknown key \"timeot\" (line 4) "
                                                 "ignored; did you mean \"timeout\"?"});
  EXPECT_EQ(r.unknown, 1u);
  EXPECT_EQ(parse_route_config(route_head, "r.ini").unknown, 0u);
  r = parse_route_config(route_head + "max_serve_per_vnet=3\n", "r.ini");
  EXPECT_EQ(r.warnings, std::vector<std::string>{"r.ini: [route] unknown key \"max_serve_per_vnet\" "
                                                 "(line 4) ignored; did you mean \"max_serves_per_vnet\"?"});
}

TEST(Typos, RequiredKeyNamesItsNearMiss) {
  EXPECT_EQ(vnet_error("[serve.ssh]\nserveid=700\nprot=22\n"),
            "t.ini: [serve.ssh] port is required (\"prot\" on line 6: did you mean port?)");
  EXPECT_EQ(route_error("[route]\nip=::1\npotr=1\n"),
            "r.ini: [route] port is required (\"potr\" on line 3: did you mean port?)");
  EXPECT_EQ(vnet_error("[serve.ssh]\ninfo=x\n"), "t.ini: [serve.ssh] port is required");
}

TEST(Typos, UnknownSectionsNameTheClosestKind) {
  auto c = vnet("[servce.web]\nport=80\n[vnte]\nname=x\n[serve]\nport=1\n[use]\n[zzz]\n");
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{
                "t.ini: unknown section [servce.web] ignored; did you mean [serve.web]?",
                "t.ini: unknown section [vnte] ignored; did you mean [vnet]?",
                "t.ini: unknown section [serve] ignored; did you mean [serve.NAME]?",
                "t.ini: unknown section [use] ignored; did you mean [use.NAME]?",
                "t.ini: unknown section [zzz] ignored"}));
  EXPECT_EQ(c.unknown, 5u);
}

TEST(Typos, KeysOutsideAnySectionAreCounted) {
  EXPECT_EQ(parse_vnet_config("stray=1\n" + route_head, "t.ini").unknown, 1u);
}

TEST(SectionNames, KindsAreCaseInsensitive) {
  auto c = parse_vnet_config(
      "[Route]\nip=10.0.0.1\nport=7749\n[VNET]\nname=v\n[Serve.Web]\nport=80\n[USE.x]\nserveid=1\n",
      "t.ini");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_EQ(c.route.port, 7749);
  EXPECT_EQ(c.name, "v");
  ASSERT_EQ(c.serves.size(), 1u);
  EXPECT_EQ(c.serves[0].key, "Web");  // the NAME keeps its case
  ASSERT_EQ(c.uses.size(), 1u);
  EXPECT_EQ(parse_route_config("[ROUTE]\nip=::1\nport=1\n", "r.ini").listen.port, 1);
}

TEST(SectionNames, TwoSpellingsOfOneSectionAreOneSection) {
  EXPECT_EQ(vnet_error("[vnet]\nname=a\n[Vnet]\nname=b\n"),
            "t.ini:7: [vnet] name is set twice (first on line 5)");
  EXPECT_EQ(vnet("[VNET]\ngroup=g\n[vnet]\nname=n\n").group, "g");
  // NAMEs differ by case: two serves.
  EXPECT_EQ(vnet("[serve.SSH]\nport=22\n[serve.ssh]\nport=23\n").serves.size(), 2u);
}

TEST(SectionNames, NameFollowsTheNameRule) {
  EXPECT_EQ(vnet("[serve.网页]\nport=80\n[use.网页]\nserveid=1\n").serves.at(0).key, "网页");
  EXPECT_EQ(vnet_error("[serve.my web]\nport=80\n"),
            "t.ini: [serve.my web] NAME = \"my web\": not a name (1-64 bytes of A-Z a-z 0-9 _ . - and "
            "non-ASCII characters such as 网页; no spaces)");
  EXPECT_NE(vnet_error("[use.a=b]\nserveid=1\n").find("NAME = \"a=b\": not a name"),
            std::string::npos);
}

TEST(LongValues, SeventyCjkCharactersOfInfoKeepTheirBytes) {
  std::string info;
  for (int i = 0; i < 70; ++i) info += "服";  // 210 bytes: inih refused it
  auto c = vnet("[serve.web]\nport=80\ninfo=" + info + " ; a comment\n");
  EXPECT_EQ(c.serves.at(0).info, info);
}

TEST(LongValues, InfoUpToTheProtocolLimitOnAFourKibLine) {
  std::string info;
  for (int i = 0; i < 512; ++i) info += static_cast<char>('a' + i % 26);
  std::string line = "info=" + info + " ; ";
  line.append(4096 - line.size(), 'z');  // a comment fills the line to 4 KiB
  EXPECT_EQ(vnet("[serve.web]\nport=80\n" + line + "\n").serves.at(0).info, info);
  EXPECT_NE(vnet_error("[serve.web]\nport=80\ninfo=" + info + "x\n").find("longer than 512 bytes (513)"),
            std::string::npos);
}

}  // namespace
}  // namespace config
