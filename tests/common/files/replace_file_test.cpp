// files::replace_file: the new text in place, with the mode asked for, and
// nothing left beside it; files::state_directory: systemd's first folder.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "files/replace_file.hpp"
#include "files/state_directory.hpp"

namespace {

namespace fs = std::filesystem;

class ReplaceFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vnet-files-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::stringstream ss;
    ss << std::ifstream(p).rdbuf();
    return ss.str();
  }
  static mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
  fs::path dir_;
};

TEST_F(ReplaceFile, WritesANewFileWithTheModeAskedFor) {
  const auto path = dir_ / "secret";
  ASSERT_TRUE(files::replace_file(path.string(), "token = x\n", 0600));
  EXPECT_EQ(read(path), "token = x\n");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);  // no temporary left
}

TEST_F(ReplaceFile, ReplacesTheOldText) {
  const auto path = dir_ / "known";
  { std::ofstream(path) << "a long old text that is longer than the new one\n"; }
  ASSERT_TRUE(files::replace_file(path.string(), "new\n", 0644));
  EXPECT_EQ(read(path), "new\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(ReplaceFile, AFolderThatIsNotThereIsAProblemAndLeavesNothing) {
  const auto path = dir_ / "missing" / "file";
  auto done = files::replace_file(path.string(), "x", 0644);
  ASSERT_FALSE(done);
  EXPECT_NE(done.why().find("cannot write"), std::string::npos) << done.why();
  EXPECT_NE(done.why().find((dir_ / "missing").string()), std::string::npos) << done.why();
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
}

TEST(StateDirectory, FirstOfSystemdsList) {
  ::setenv("STATE_DIRECTORY", "/var/lib/vnet:/var/lib/other", 1);
  EXPECT_EQ(files::state_directory(), "/var/lib/vnet");
  ::setenv("STATE_DIRECTORY", "/var/lib/route", 1);
  EXPECT_EQ(files::state_directory(), "/var/lib/route");
  ::setenv("STATE_DIRECTORY", "", 1);
  EXPECT_EQ(files::state_directory(), std::nullopt);
  ::unsetenv("STATE_DIRECTORY");
  EXPECT_EQ(files::state_directory(), std::nullopt);
}

}  // namespace
