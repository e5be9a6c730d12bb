#include "log/budget.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

namespace {

using namespace std::chrono_literals;

// Captures what the budget itself logs (its "not logged" summaries).
struct captured_log {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> before = spdlog::default_logger();
  captured_log() {
    auto logger = std::make_shared<spdlog::logger>(
        "budget_test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~captured_log() { spdlog::set_default_logger(before); }
};

TEST(LogBudget, LinesPerWindowThenOneSummary) {
  captured_log log;
  logging::budget b(3, 10s);
  const auto t0 = logging::budget::clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.allow("vnet 01", "refusal", t0 + 1s * i));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(b.allow("vnet 01", "refusal", t0 + 5s));
  EXPECT_TRUE(b.allow("vnet 02", "refusal", t0 + 5s)) << "each subject has its own budget";
  EXPECT_TRUE(b.allow("vnet 01", "registration", t0 + 5s)) << "and each kind";
  EXPECT_EQ(log.out.str(), "");
  EXPECT_FALSE(b.allow("vnet 01", "refusal", t0 + 9s));
  EXPECT_TRUE(b.allow("vnet 01", "refusal", t0 + 10s)) << "a new window";
  EXPECT_EQ(log.out.str(), "vnet 01: 6 more refusal lines not logged (at most 3 per 10 s)\n");
  // Nothing left out in this window: forgetting says nothing.
  b.forget("vnet 01");
  EXPECT_EQ(log.out.str(), "vnet 01: 6 more refusal lines not logged (at most 3 per 10 s)\n");
  for (int i = 0; i < 4; ++i) b.allow("vnet 02", "refusal", t0 + 6s);
  b.forget("vnet 02");
  EXPECT_NE(log.out.str().find("vnet 02: 2 more refusal lines not logged"), std::string::npos) << log.out.str();
}

}  // namespace
