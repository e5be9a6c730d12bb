// Replays the checked-in fuzz corpora through the fuzz targets' code in the
// normal build, so an input that once found a bug stays a regression test
// without clang or libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "targets.hpp"

namespace {

std::size_t replay(const char* target, void (*run)(const std::uint8_t*, std::size_t)) {
  std::size_t files = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(VNET_FUZZ_CORPUS) / target)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(f), {}};
    SCOPED_TRACE(e.path().string());
    run(bytes.data(), bytes.size());  // aborts on a broken property
    ++files;
  }
  return files;
}

TEST(FuzzCorpus, FramesDecodeWithoutCrash) { EXPECT_GE(replay("frame", fuzz::frames), 5u); }

TEST(FuzzCorpus, ConfigsParseWithoutCrash) { EXPECT_GE(replay("config", fuzz::config_text), 5u); }

}  // namespace
