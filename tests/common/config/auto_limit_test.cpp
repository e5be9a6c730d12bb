// "auto" link quotas follow the descriptor limit (config/auto_limit.hpp):
// the keys read "auto", the quotas in force are shares of the links the
// soft limit carries, never below the fixed defaults they replaced, and a
// number set in the file is used as it is.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "config/auto_limit.hpp"
#include "config/config.hpp"
#include "config/rules.hpp"

namespace {

// Sets the soft descriptor limit for one test and restores it after.
class soft_fd_limit {
 public:
  explicit soft_fd_limit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lim = saved_;
    lim.rlim_cur = soft;
    ok_ = soft <= saved_.rlim_max && ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
  }
  ~soft_fd_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(AutoLimit, KeysReadAutoOrANumber) {
  EXPECT_EQ(config::rules::link_limit::parse("auto").value(), config::auto_limit);
  EXPECT_EQ(config::rules::link_limit::parse("AUTO").value(), config::auto_limit);
  EXPECT_EQ(config::rules::link_limit::parse("300").value(), 300u);
  EXPECT_FALSE(config::rules::link_limit::parse("0").ok());
  EXPECT_FALSE(config::rules::link_limit::parse("automatic").ok());
  EXPECT_EQ(config::rules::link_limit::show(config::auto_limit), "auto");
  EXPECT_EQ(config::rules::link_limit::show(300), "300");
}

TEST(AutoLimit, SizedFromTheDescriptorLimit) {
  soft_fd_limit fds(16448);  // (16448 - 64) / 2 = 8192 links
  if (!fds.ok()) GTEST_SKIP() << "the hard descriptor limit is below 16448";
  EXPECT_EQ(config::links_fd_limit_carries(), 8192u);
  EXPECT_EQ(config::links_per_serve(config::auto_limit), 8192u);
  EXPECT_EQ(config::live_links(config::auto_limit), 6144u);
  EXPECT_EQ(config::pending_links(config::auto_limit), 1024u);
  // A number in the file is the quota, whatever the limit.
  EXPECT_EQ(config::live_links(7), 7u);
  EXPECT_EQ(config::links_per_serve(100000), 100000u);
}

TEST(AutoLimit, NeverBelowTheOldFixedDefaults) {
  soft_fd_limit fds(1024);
  ASSERT_TRUE(fds.ok());
  EXPECT_EQ(config::links_fd_limit_carries(), 480u);
  EXPECT_EQ(config::links_per_serve(config::auto_limit), 512u);
  EXPECT_EQ(config::live_links(config::auto_limit), 2048u);
  EXPECT_EQ(config::pending_links(config::auto_limit), 256u);
}

}  // namespace
