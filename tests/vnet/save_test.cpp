#include "vnet/save.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vnet {
namespace {

const std::string manual_style = R"(; the office machine
[route]
ip=203.0.113.10
port=7749

[vnet]
name=office   ; shown to the group
group=default-ssh
terminal=true

# ssh at home
[serve.ssh]
serveid=700
port=22
info=home ssh

; the web server
[serve.web]
port=80

[use.home]
serveid=701
port=1122
)";

config::vnet_config load(const std::string& text) { return config::parse_vnet_config(text, "t.ini"); }

TEST(Save, NothingChangedKeepsTheFileByteForByte) {
  auto now = load(manual_style);
  EXPECT_EQ(rewrite_config(manual_style, now), manual_style);
}

TEST(Save, AChangedValueIsRewrittenInPlaceAndCommentsStay) {
  auto now = load(manual_style);
  now.serves[0].port = 2222;       // ssh moved
  now.serves[1].active = false;    // web closed in the terminal
  now.uses[0].serveid = 702;
  auto text = rewrite_config(manual_style, now);
  EXPECT_NE(text.find("# ssh at home\n[serve.ssh]\nserveid=700\nport=2222\ninfo=home ssh\n"), std::string::npos) << text;
  EXPECT_NE(text.find("; the web server\n[serve.web]\nport=80\nactive=false\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[use.home]\nserveid=702\nport=1122\n"), std::string::npos) << text;
  EXPECT_NE(text.find("name=office   ; shown to the group"), std::string::npos);
  auto back = load(text);
  EXPECT_EQ(back.serves, now.serves);
  EXPECT_EQ(back.uses, now.uses);
}

TEST(Save, DeletedEntriesGoNewOnesAreAppended) {
  auto now = load(manual_style);
  now.serves.erase(now.serves.begin());  // ssh deleted
  config::serve_config db;
  db.key = "db";
  db.name = "postgres";
  db.port = 5432;
  db.serveid = 5;
  db.info = "staging";
  now.serves.push_back(db);
  config::use_config u;
  u.key = "printer";
  u.serveid = 810;
  u.active = false;
  now.uses.push_back(u);
  auto text = rewrite_config(manual_style, now);
  EXPECT_EQ(text.find("[serve.ssh]"), std::string::npos) << text;
  EXPECT_EQ(text.find("home ssh"), std::string::npos);
  // The comment above the deleted section belonged to it... and the one
  // introducing the next section stays.
  EXPECT_NE(text.find("; the web server\n[serve.web]"), std::string::npos) << text;
  EXPECT_NE(text.find("\n[serve.db]\nserveid=005\nport=5432\nname=postgres\ninfo=staging\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n[use.printer]\nserveid=810\nactive=false\n"), std::string::npos) << text;
  auto back = load(text);
  ASSERT_EQ(back.serves.size(), 2u);
  EXPECT_EQ(back.serves[1], db);
  ASSERT_EQ(back.uses.size(), 2u);
  EXPECT_EQ(back.uses[1], u);
}

TEST(Save, ANewFileGetsRouteAndVnet) {
  config::vnet_config now;
  now.route = {"198.51.100.7", 7749};
  now.name = "laptop";
  now.group = "team";
  config::use_config u;
  u.key = "use700";
  u.serveid = 700;
  u.port = 1122;
  now.uses.push_back(u);
  auto text = rewrite_config("", now);
  EXPECT_EQ(text, "[route]\nip=198.51.100.7\nport=7749\n\n[vnet]\nname=laptop\ngroup=team\n\n[use.use700]\n"
                  "serveid=700\nport=1122\n");
  auto back = load(text);
  EXPECT_EQ(back.uses, now.uses);
  EXPECT_EQ(back.group, "team");
}

TEST(Save, StartserveFalseNeedsNoActiveFalse) {
  std::string text = "[route]\nip=::1\nport=1\n[vnet]\nterminal=true\nstartserve=false\n[serve.a]\nport=22\n";
  auto now = load(text);
  ASSERT_FALSE(now.serves[0].active);  // startserve=false: it starts closed
  EXPECT_EQ(rewrite_config(text, now), text);
  // Opened in the terminal: the file already says active (the default);
  // startserve=false is what closes it at the next start, and stays.
  now.serves[0].active = true;
  EXPECT_EQ(rewrite_config(text, now), text);
  // An explicit active=false under startserve=false is rewritten when opened.
  auto closed = text + "active=false\n";
  EXPECT_EQ(rewrite_config(closed, now), text + "active=true\n");
}

TEST(Save, ValuesTheReaderWouldChangeAreRefused) {
  auto now = load(manual_style);
  now.serves[0].info = "a ;b";
  try {
    rewrite_config(manual_style, now);
    FAIL() << "no error";
  } catch (const config::error& e) {
    EXPECT_NE(std::string(e.what()).find("[serve.ssh] info = \"a ;b\" cannot be saved"), std::string::npos)
        << e.what();
  }
}

// Notepad's UTF-8: a byte order mark and CRLF line ends. The loader reads
// such a file; save keeps both, on the lines it writes too.
TEST(Save, AByteOrderMarkAndCrlfLineEndsAreKept) {
  std::string windows = "\xEF\xBB\xBF";
  for (std::size_t b = 0, e; b < manual_style.size(); b = e + 1) {
    e = manual_style.find('\n', b);
    windows += manual_style.substr(b, e - b) + "\r\n";
  }
  auto now = load(windows);
  EXPECT_EQ(rewrite_config(windows, now), windows);
  now.uses[0].port = 3333;
  config::serve_config extra;
  extra.key = "db";
  extra.port = 5432;
  now.serves.push_back(extra);
  auto text = rewrite_config(windows, now);
  EXPECT_EQ(text.rfind("\xEF\xBB\xBF; the office machine\r\n[route]\r\n", 0), 0u) << text;
  EXPECT_NE(text.find("[use.home]\r\nserveid=701\r\nport=3333\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\n[serve.db]\r\nport=5432\r\n"), std::string::npos) << text;
  for (std::size_t i = text.find('\n'); i != std::string::npos; i = text.find('\n', i + 1))
    EXPECT_EQ(text[i - 1], '\r') << "a line ending in LF only at byte " << i << ": " << text;
  auto back = load(text);
  EXPECT_EQ(back.uses, now.uses);
  EXPECT_EQ(back.serves.size(), 3u);
  // The mark right before the first header: the header is still seen (no
  // second [route] written above it, which failed to load back).
  const std::string bare = "\xEF\xBB\xBF[route]\r\nip=::1\r\nport=1\r\n[vnet]\r\nname=x\r\n";
  auto added = load(bare);
  added.uses.push_back(now.uses[0]);
  EXPECT_EQ(rewrite_config(bare, added), bare + "\r\n[use.home]\r\nserveid=701\r\nport=3333\r\n");
}

TEST(Save, FileIsReplacedAndTheOldOneKept) {
  auto dir = std::filesystem::temp_directory_path() / ("vnet-save-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "vnet.ini").string();
  { std::ofstream(path) << manual_style; }
  auto now = load(manual_style);
  EXPECT_EQ(save_config(path, now), path + ": already up to date");
  EXPECT_FALSE(std::filesystem::exists(path + ".bak"));
  now.uses[0].port = 3333;
  EXPECT_EQ(save_config(path, now),
            "saved 2 serve(s) and 1 use(s) to " + path + " (the previous file is " + path + ".bak)");
  std::stringstream bak, cur;
  bak << std::ifstream(path + ".bak").rdbuf();
  cur << std::ifstream(path).rdbuf();
  EXPECT_EQ(bak.str(), manual_style);
  EXPECT_EQ(config::load_vnet_config(path).uses[0].port, 3333);
  // No temporary file left beside them.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"vnet.ini", "vnet.ini.bak"}));
  std::filesystem::remove_all(dir);
}

TEST(Save, AnOwnerOnlyFileAndItsBackupStayOwnerOnly) {
  auto dir = std::filesystem::temp_directory_path() / ("vnet-save-mode-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "vnet.ini").string();
  { std::ofstream(path) << manual_style; }
  ::chmod(path.c_str(), 0600);
  auto now = load(manual_style);
  now.uses[0].port = 3333;
  save_config(path, now);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((path + ".bak").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vnet
