// src/platform: what each implementation (POSIX here, Windows under Wine in
// windows_unit_tests) promises its callers, through the seam alone.
#include <gtest/gtest.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/files.hpp"
#include "platform/host.hpp"
#include "platform/ip_text.hpp"
#include "platform/splice.hpp"
#include "platform/user_paths.hpp"

namespace {

namespace fs = std::filesystem;

// Wine keeps no DACL a program sets: it reads back one made from the Unix
// mode bits (SYSTEM and the owner, not protected). Checked on Windows only.
bool acl_read_back_is_synthesized() {
#ifdef _WIN32
  return ::GetProcAddress(::GetModuleHandleA("ntdll.dll"), "wine_get_version") != nullptr;
#else
  return false;
#endif
}

class PlatformFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vnet-platform-" + std::to_string(platform::process_id()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::stringstream ss;
    ss << std::ifstream(p, std::ios::binary).rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

// Windows' C library rename() refuses an existing target: the replace must not.
TEST_F(PlatformFiles, ReplaceByOverwritesAnExistingFile) {
  const auto from = (dir_ / "new").string(), to = (dir_ / "old").string();
  ASSERT_FALSE(platform::write_file_synced(to, "old text", 0600));
  ASSERT_FALSE(platform::write_file_synced(from, "new\r\ntext", 0600));
  EXPECT_FALSE(platform::replace_by(from, to));
  EXPECT_EQ(read(to), "new\r\ntext");  // bytes as given: no text-mode translation
  EXPECT_FALSE(fs::exists(from));
}

TEST_F(PlatformFiles, AnExclusiveWriteRefusesAnExistingFileAndKeepsIt) {
  const auto path = (dir_ / "key").string();
  ASSERT_FALSE(platform::write_file_synced(path, "first", 0600, true));
  EXPECT_EQ(platform::write_file_synced(path, "second", 0600, true), std::errc::file_exists);
  EXPECT_EQ(read(path), "first");
}

TEST_F(PlatformFiles, AWriteIntoAMissingFolderFails) {
  EXPECT_TRUE(platform::write_file_synced((dir_ / "no" / "file").string(), "x", 0600));
}

TEST_F(PlatformFiles, PermissionBitsAreThoseAskedForWhereTheyExist) {
  const auto path = (dir_ / "secret").string();
  ASSERT_FALSE(platform::write_file_synced(path, "x", 0600));
  const auto bits = platform::permission_bits(path);
#ifdef _WIN32
  EXPECT_FALSE(bits);  // an ACL decides on Windows
#else
  ASSERT_TRUE(bits);
  EXPECT_EQ(*bits, 0600u);
#endif
  EXPECT_FALSE(platform::permission_bits((dir_ / "missing").string()));
}

// known_routes, the history and a generated route key are made in such a
// folder (%LOCALAPPDATA%\vnet on Windows): its files are owner-only too,
// whatever mode they were written with.
TEST_F(PlatformFiles, APrivateFolderAndTheFilesMadeInItAreOwnerOnly) {
  const auto folder = (dir_ / "state" / "vnet").string();
  ASSERT_FALSE(platform::create_private_folder(folder));
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_FALSE(platform::create_private_folder(folder));  // exists: fine, left as it is
  const auto file = (fs::path(folder) / "known_routes").string();
  ASSERT_FALSE(platform::write_file_synced(file, "x", 0644));
  if (acl_read_back_is_synthesized()) GTEST_SKIP() << "Wine keeps no DACL: nothing to read back";
  EXPECT_EQ(platform::owner_only(folder), std::optional<bool>(true));
#ifdef _WIN32
  EXPECT_EQ(platform::owner_only(file), std::optional<bool>(true));  // inherited from the folder
#endif
}

TEST_F(PlatformFiles, AFileWrittenForTheOwnerAloneIsOwnerOnlyAndOthersAreNot) {
  const auto secret = (dir_ / "key").string(), open = (dir_ / "open").string();
  ASSERT_FALSE(platform::write_file_synced(secret, "x", 0600));
  ASSERT_FALSE(platform::write_file_synced(open, "x", 0644));
  EXPECT_EQ(platform::owner_only(open), std::optional<bool>(false));
  if (acl_read_back_is_synthesized()) GTEST_SKIP() << "Wine keeps no DACL: nothing to read back";
  EXPECT_EQ(platform::owner_only(secret), std::optional<bool>(true));
  EXPECT_FALSE(platform::owner_only((dir_ / "missing").string()));
}

TEST_F(PlatformFiles, AWritableFolderIsWritable) {
  EXPECT_FALSE(platform::check_writable(dir_.string()));
  EXPECT_TRUE(platform::check_writable((dir_ / "missing").string()));
}

TEST(PlatformIpText, ParsesBothFamiliesAndNothingElse) {
  unsigned char v4[4], v6[16];
  ASSERT_TRUE(platform::parse_ipv4("127.0.0.1", v4));
  EXPECT_EQ(v4[0], 127);
  EXPECT_EQ(v4[3], 1);
  EXPECT_FALSE(platform::parse_ipv4("::1", v4));
  EXPECT_FALSE(platform::parse_ipv4("localhost", v4));
  ASSERT_TRUE(platform::parse_ipv6("::1", v6));
  EXPECT_EQ(v6[15], 1);
  EXPECT_FALSE(platform::parse_ipv6("127.0.0.1", v6));
}

TEST(PlatformHost, NamesThisMachineAndProcess) {
  EXPECT_FALSE(platform::hostname().empty());
  EXPECT_GT(platform::process_id(), 0);
}

TEST(PlatformUserPaths, TheStateFolderIsNamedForVnet) {
  EXPECT_EQ(fs::path(platform::user_state_folder()).filename(), "vnet");
}

// Windows keeps vnet's own files per user, never beside a config file that
// may sit in a shared folder with the .exe; POSIX keeps them beside it.
TEST(PlatformUserPaths, OwnFilesAndTheDefaultConfigFile) {
#ifdef _WIN32
  EXPECT_EQ(platform::private_state_folder(), std::optional<std::string>(platform::user_state_folder()));
  ASSERT_TRUE(platform::history_file());
  EXPECT_EQ(fs::path(*platform::history_file()).parent_path(), fs::path(platform::user_state_folder()));
  const fs::path config(platform::default_config_file());
  EXPECT_TRUE(config.is_absolute());
  EXPECT_EQ(config.filename(), "config.ini");
  EXPECT_TRUE(fs::exists(config.parent_path() / "windows_unit_tests.exe")) << config;
#else
  EXPECT_FALSE(platform::private_state_folder());
  EXPECT_EQ(platform::default_config_file(), "config.ini");
#endif
}

// Where there is no splice no pipe is handed out, so the relay copies.
TEST(PlatformSplice, APipeExactlyWhereSpliceExists) {
  platform::splice_pipe p;
  const bool opened = platform::open_splice_pipe(p, 1 << 20);
  EXPECT_EQ(opened, platform::has_splice);
  if (opened) {
    EXPECT_GE(p.capacity, 4096u);
    platform::close_splice_pipe(p);
  }
}

}  // namespace
