#include "text/table.hpp"

#include <gtest/gtest.h>

namespace text {
namespace {

TEST(Table, AlignsColumns) {
  EXPECT_EQ(render_table({{"serveid", "key", "links"},  //
                          {"700", "ssh", "2"},
                          {"---", "web-server", "0"}}),
            "serveid  key         links\n"
            "700      ssh         2\n"
            "---      web-server  0");
}

TEST(Table, NoTrailingSpaces) {
  // The last column is not padded; empty trailing cells leave no gap either.
  EXPECT_EQ(render_table({{"key", "value"}, {"name", "x"}, {"group", ""}, {"", ""}}),
            "key    value\n"
            "name   x\n"
            "group\n");
}

TEST(Table, WidthCountsCodePoints) {
  // "é" and "ü" are 2 bytes each, "€" 3: padded as 1 column each.
  EXPECT_EQ(render_table({{"name", "n"}, {"héllo", "1"}, {"€", "2"}, {"ü", "3"}}),
            "name   n\n"
            "héllo  1\n"
            "€      2\n"
            "ü      3");
}

TEST(Table, WidthCountsDisplayColumns) {
  // CJK characters take two columns on a terminal: "网页" is as wide as "abcd".
  EXPECT_EQ(render_table({{"key", "n"}, {"网页", "1"}, {"abcd", "2"}, {"x", "3"}}),
            "key   n\n"
            "网页  1\n"
            "abcd  2\n"
            "x     3");
}

TEST(Table, ShortRowsAndEdgeCases) {
  EXPECT_EQ(render_table({}), "");
  EXPECT_EQ(render_table({{"only"}}), "only");
  EXPECT_EQ(render_table({{"a", "b", "c"}, {"long"}, {"x", "yy"}}),
            "a     b   c\n"
            "long\n"
            "x     yy");
}

}  // namespace
}  // namespace text
