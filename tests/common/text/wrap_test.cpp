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

TEST(Shorten, CutsWithAnEllipsisWithinTheWidth) {
  EXPECT_EQ(shorten("short", 8), "short");
  EXPECT_EQ(shorten("a-serve-with-a-long-name", 8), "a-serve\u2026");
  EXPECT_EQ(display_width(shorten("网页网页网页", 6)), 5u);  // two characters and the "…"
}

TEST(FitColumn, ShortensOneColumnSoTheTableFits) {
  std::vector<std::vector<std::string>> rows{{"id", "name", "address"},
                                             {"1", std::string(60, 'n'), "127.0.0.1:15159"},
                                             {"2", "ok", "127.0.0.1:1"}};
  fit_column(rows, 1, 40);
  EXPECT_LE(display_width(rows[1][1]), 40u - 2 - 2 - 2 - 15);
  EXPECT_EQ(rows[2][1], "ok");
  EXPECT_EQ(rows[0][1], "name");
  for (const auto& line : {rows[1][0] + "  " + rows[1][1] + "  " + rows[1][2]})
    EXPECT_LE(display_width(line), 40u);
}

}  // namespace
}  // namespace text
