#include <gtest/gtest.h>

#include "text/plural.hpp"

namespace {

TEST(Plural, EndingAndCountedWord) {
  EXPECT_STREQ(text::plural(1), "");
  EXPECT_STREQ(text::plural(0), "s");
  EXPECT_STREQ(text::plural(2), "s");
  EXPECT_EQ(text::plural(1, "vnet"), "1 vnet");
  EXPECT_EQ(text::plural(0, "serve"), "0 serves");
  EXPECT_EQ(text::plural(12, "link"), "12 links");
}

}  // namespace
