#include "config/ini_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.hpp"

namespace config {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string error_of(const std::string& text, const std::string& name = "t.ini") {
  try {
    parse_ini(text, name);
  } catch (const error& e) {
    return e.what();
  }
  return "no error";
}

const ini_entry* find(const std::vector<ini_entry>& all, const std::string& section,
                      const std::string& key) {
  for (const auto& e : all)
    if (e.section == section && e.key == key) return &e;
  return nullptr;
}

TEST(IniFile, EntriesInFileOrderWithLines) {
  auto all = parse_ini("[route]\nip=127.0.0.1\n\nport = 7749\n[serve.SSH]\nPORT=22\n", "t.ini");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].section, "route");
  EXPECT_EQ(all[0].key, "ip");
  EXPECT_EQ(all[0].value, "127.0.0.1");
  EXPECT_EQ(all[0].line, 2);
  EXPECT_EQ(all[1].key, "port");
  EXPECT_EQ(all[1].value, "7749");
  EXPECT_EQ(all[1].line, 4);
  // Section names keep their case; keys do not.
  EXPECT_EQ(all[2].section, "serve.SSH");
  EXPECT_EQ(all[2].key, "port");
  EXPECT_EQ(all[2].line, 6);
}

TEST(IniFile, EmptyTextHasNoEntries) {
  EXPECT_TRUE(parse_ini("", "t.ini").empty());
  EXPECT_TRUE(parse_ini("\n\n; only comments\n# here too\n", "t.ini").empty());
}

TEST(IniFile, InlineCommentsFollowInihsRule) {
  auto all = parse_ini(
      "[a] ; section comment\n"
      "k1=v ; comment\n"
      "k2=a;b\n"  // no white space before ';': part of the value
      "k3=x\t; tab counts as white space\n"
      "k4=#not a comment\n"
      "k5=  spaced value  \n"
      "k6= ; only a comment\n"
      "k7=a=b\n",
      "t.ini");
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all[0].section, "a");
  EXPECT_EQ(all[0].value, "v");
  EXPECT_EQ(all[1].value, "a;b");
  EXPECT_EQ(all[2].value, "x");
  EXPECT_EQ(all[3].value, "#not a comment");
  EXPECT_EQ(all[4].value, "spaced value");
  EXPECT_EQ(all[5].value, "");
  EXPECT_EQ(all[6].value, "a=b");
}

TEST(IniFile, IndentedLinesAreNotContinuations) {
  auto all = parse_ini("[a]\n  k1 = one\n\tk2 = two\n", "t.ini");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].value, "one");
  EXPECT_EQ(all[1].key, "k2");
  EXPECT_EQ(all[1].value, "two");
}

TEST(IniFile, CrLfAndByteOrderMark) {
  auto all = parse_ini("\xEF\xBB\xBF[route]\r\nip=1.2.3.4\r\nport=1 ; c\r\n", "t.ini");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].section, "route");
  EXPECT_EQ(all[0].value, "1.2.3.4");
  EXPECT_EQ(all[1].value, "1");
  EXPECT_EQ(all[1].line, 3);
}

TEST(IniFile, SectionsIncludeEmptyOnesOnce) {
  std::vector<std::string> sections{"stale"};
  auto all = parse_ini("[a]\n[ b ]\nk=v\n[a]\nx=1\n[c]\n", "t.ini", &sections);
  EXPECT_EQ(sections, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].section, "b");
  EXPECT_EQ(all[1].section, "a");
}

TEST(IniFile, KeysBeforeAnySectionHaveAnEmptySection) {
  auto all = parse_ini("k=v\n[a]\n", "t.ini");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].section, "");
}

TEST(IniFile, ManualLongCommentedLineKeepsLineNumbers) {
  auto text = read(VNET_FIXTURES "/manual_vnet_full.ini");
  std::size_t longest = 0;
  std::istringstream lines(text);
  for (std::string l; std::getline(lines, l);) longest = std::max(longest, l.size());
  ASSERT_GT(longest, 200u);  // the point of this test: longer than inih's buffer

  auto all = parse_ini(text, "manual_vnet_full.ini");
  const auto* terminal = find(all, "vnet", "terminal");
  ASSERT_NE(terminal, nullptr);
  EXPECT_EQ(terminal->value, "true");
  EXPECT_EQ(terminal->line, 8);
  const auto* info = find(all, "serve.xrdp", "info");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->value, "Microsoft remote desktop protocol");
  EXPECT_EQ(info->line, 21);
  const auto* active = find(all, "use.xrdp", "active");
  ASSERT_NE(active, nullptr);
  EXPECT_EQ(active->line, 28);
}

TEST(IniFile, LongLinesAreReadUpToTheLimit) {
  // 4 KiB of value: the system inih stopped at 199 bytes.
  std::string value(4096, 'x');
  auto all = parse_ini("[a]\nk=" + value + "\n", "t.ini");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].value, value);

  std::string at_limit = "k=" + std::string(max_line_bytes - 2, 'y');
  all = parse_ini("[a]\n" + at_limit + "\n", "t.ini");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].value.size(), max_line_bytes - 2);
}

TEST(IniFile, LineOverTheLimitIsAnErrorWithItsNumber) {
  // The comment counts: the limit bounds what we read, not what we keep.
  std::string long_line = "k=1 ; " + std::string(max_line_bytes - 5, 'c');
  EXPECT_EQ(error_of("[a]\n\n" + long_line + "\nz=1\n", "big.ini"),
            "big.ini:3: line too long (" + std::to_string(max_line_bytes + 1) +
                " bytes, at most 65536)");
}

TEST(IniFile, LongSectionNamesAreKept) {
  // inih cut names at 49 bytes, which could merge two sections.
  std::string a(60, 's'), b = std::string(59, 's') + "t";
  std::vector<std::string> sections;
  auto all = parse_ini("[" + a + "]\nk=1\n[" + b + "]\nk=2\n", "t.ini", &sections);
  EXPECT_EQ(sections, (std::vector<std::string>{a, b}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].section, b);
}

TEST(IniFile, DuplicateKeyIsAnError) {
  EXPECT_EQ(error_of("[vnet]\nname=a\n\nName=b\n"),
            "t.ini:4: [vnet] name is set twice (first on line 2)");
  // Also across two headers of the same section.
  EXPECT_EQ(error_of("[a]\nk=1\n[b]\nk=2\n[a]\nk=3\n"),
            "t.ini:6: [a] k is set twice (first on line 2)");
  // The same key in different sections is fine.
  EXPECT_EQ(parse_ini("[a]\nk=1\n[b]\nk=2\n", "t.ini").size(), 2u);
}

TEST(IniFile, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error_of("[route]\nip=1.2.3.4\njust words ; comment\n"),
            "t.ini:3: syntax error: just words ; comment");
  EXPECT_EQ(error_of("[route\nip=1\n"), "t.ini:1: syntax error: [route");
  EXPECT_EQ(error_of("[a]\n = value\n"), "t.ini:2: syntax error: = value");
  EXPECT_EQ(error_of("[a]\nk=v\n[b ; ]\n"), "t.ini:3: syntax error: [b ; ]");
}

TEST(IniFile, FirstErrorInTheFileWins) {
  EXPECT_EQ(error_of("[a]\nbad\nk=1\nk=2\n"), "t.ini:2: syntax error: bad");
  EXPECT_EQ(error_of("[a]\nk=1\nk=2\nbad\n"), "t.ini:3: [a] k is set twice (first on line 2)");
  EXPECT_EQ(error_of("[a]\nbad\n" + std::string(300, 'x') + "\n"), "t.ini:2: syntax error: bad");
}

TEST(IniFile, NulByteIsAnError) {
  EXPECT_EQ(error_of(std::string("[a]\nk=v\0w\n", 10)), "t.ini:2: NUL byte in line");
}

// Notepad on Chinese Windows saves "ANSI" (GBK) or "Unicode" (UTF-16): the
// error names the encoding and says what to do, not "NUL byte in line".
std::string utf16(const std::string& ascii, bool little_endian, bool mark) {
  std::string out = mark ? (little_endian ? std::string("\xFF\xFE") : std::string("\xFE\xFF")) : std::string();
  for (char c : ascii) {
    if (little_endian) { out += c; out += '\0'; }
    else { out += '\0'; out += c; }
  }
  return out;
}

TEST(IniFile, Utf16IsNamedWithOrWithoutItsMark) {
  const std::string text = "[route]\nip=127.0.0.1\nport=7749\n";
  const std::string le = "t.ini: the file is not UTF-8 (it looks like UTF-16 (little-endian)): save the file as UTF-8";
  const std::string be = "t.ini: the file is not UTF-8 (it looks like UTF-16 (big-endian)): save the file as UTF-8";
  EXPECT_EQ(error_of(utf16(text, true, true)), le);
  EXPECT_EQ(error_of(utf16(text, true, false)), le);
  EXPECT_EQ(error_of(utf16(text, false, true)), be);
  EXPECT_EQ(error_of(utf16(text, false, false)), be);
}

TEST(IniFile, GbkIsNamedWithTheFirstLineThatIsNotUtf8) {
  // "办公室" (office) in GBK: B0EC B9AB CAD2.
  EXPECT_EQ(error_of("[route]\nip=127.0.0.1\nport=7749\n[vnet]\nname=\xB0\xEC\xB9\xAB\xCA\xD2\n"),
            "t.ini:5: the file is not UTF-8 (it looks like GBK (Chinese Windows' \"ANSI\")): save the file as UTF-8");
  // Latin-1 "é" is no GBK pair: only "not UTF-8" is said.
  EXPECT_EQ(error_of("[vnet]\nname=caf\xE9\n"),
            "t.ini:2: the file is not UTF-8 (it looks like another encoding): save the file as UTF-8");
}

TEST(IniFile, Utf8WithCjkAndAMarkStillLoads) {
  const auto e = parse_ini("\xEF\xBB\xBF[vnet]\r\nname=\xE5\x8A\x9E\xE5\x85\xAC\xE5\xAE\xA4\r\n", "t.ini");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].value, "\xE5\x8A\x9E\xE5\x85\xAC\xE5\xAE\xA4");
}

}  // namespace
}  // namespace config
