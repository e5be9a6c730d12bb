#include "text/wrap.hpp"

#include <gtest/gtest.h>

#include "text/printable.hpp"

namespace text {
namespace {

TEST(Wrap, BreaksAtSpacesWithinTheWidth) {
  auto lines = wrap("serveid 700 is not offered in group 'lab' (0 serves from 0 other vnets)", 30, "    ");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "    serveid 700 is not offered");
  EXPECT_EQ(lines[1], "    in group 'lab' (0 serves");
  EXPECT_EQ(lines[2], "    from 0 other vnets)");
  for (const auto& l : lines) EXPECT_LE(display_width(l), 30u) << l;
}

TEST(Wrap, CutsAWordWiderThanALineBetweenCharacters) {
  auto lines = wrap("see /a/very/long/path/that/does/not/fit and more", 12, "  ");
  for (const auto& l : lines) EXPECT_LE(display_width(l), 12u) << l;
  std::string joined;
  for (const auto& l : lines) joined += l.substr(2) + "|";
  EXPECT_EQ(joined, "see|/a/very/lo|ng/path/th|at/does/no|t/fit and|more|");
}

TEST(Wrap, CountsWideCharactersAsTwoAndNeverSplitsOne) {
  auto lines = wrap("网页网页网页网页网页", 9, "  ");  // 20 columns of text, 7 a line
  for (const auto& l : lines) {
    EXPECT_LE(display_width(l), 9u) << l;
    EXPECT_TRUE(is_clean_text(l)) << l;
  }
  EXPECT_EQ(lines.size(), 4u);  // 3 + 3 + 3 + 1 characters
}

TEST(Wrap, EmptyTextHasNoLines) {
  EXPECT_TRUE(wrap("", 80, "  ").empty());
  EXPECT_TRUE(wrap("   ", 80, "  ").empty());
}

}  // namespace
}  // namespace text
