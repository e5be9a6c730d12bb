#include "text/printable.hpp"

#include <gtest/gtest.h>

namespace {

using text::display_width;
using text::printable;

TEST(Printable, KeepsPlainAndNonAsciiText) {
  EXPECT_EQ(printable("home-ssh 1.0"), "home-ssh 1.0");
  EXPECT_EQ(printable("网页 café 🙂"), "网页 café 🙂");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesWhatCouldForgeALogLineOrDriveATerminal) {
  EXPECT_EQ(printable("home) disconnected\nFORGED"), "home) disconnected\\nFORGED");
  EXPECT_EQ(printable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(printable("\x1b[2J"), "\\e[2J");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x7f"), "\\x7F");
  EXPECT_EQ(printable("\x07"), "\\x07");
}

TEST(Printable, EscapesTheBackslashSoAnEscapeCannotBeForged) {
  EXPECT_EQ(printable("a\\nb"), "a\\\\nb");
  EXPECT_NE(printable("a\\nb"), printable("a\nb"));
}

TEST(Printable, EscapesC1ControlsAndBidiOverrides) {
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\u{009B}31m");     // CSI
  EXPECT_EQ(printable("abc\xe2\x80\xae" "fed"), "abc\\u{202E}fed");  // RLO
  EXPECT_EQ(printable("\xe2\x81\xa6"), "\\u{2066}");           // LRI
}

TEST(Printable, EscapesInvalidUtf8ByteByByte) {
  EXPECT_EQ(printable("\xff"), "\\xFF");
  EXPECT_EQ(printable("a\xe4\xb8"), "a\\xE4\\xB8");          // truncated
  EXPECT_EQ(printable("\xc0\xaf"), "\\xC0\\xAF");            // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xED\\xA0\\x80");   // a surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // past U+10FFFF
}

TEST(DisplayWidth, CountsColumnsNotBytesOrCodePoints) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("ssh"), 3u);
  EXPECT_EQ(display_width("网页"), 4u);
  EXPECT_EQ(display_width("ｓｓｈ"), 6u);     // fullwidth forms
  EXPECT_EQ(display_width("한국"), 4u);
  EXPECT_EQ(display_width("café"), 4u);
  EXPECT_EQ(display_width("e\xcc\x81"), 1u);  // e + combining acute
  EXPECT_EQ(display_width("🙂"), 2u);
  EXPECT_EQ(display_width("\xff"), 1u);
}


TEST(CleanText, AcceptsPrintableUtf8) {
  EXPECT_TRUE(text::is_clean_text(""));
  EXPECT_TRUE(text::is_clean_text("home-ssh 办公室 équipe 🚀 ~!@#"));
}

TEST(CleanText, RefusesControlsAndInvalidUtf8) {
  for (std::string bad : {std::string("a\nb"), std::string("a\rb"), std::string("\t"),
                          std::string("\x1b[2J"), std::string("\x7f"), std::string("\xc2\x80"),
                          std::string("\xc2\x9f"), std::string("x\0y", 3), std::string("\xff"),
                          std::string("\xc0\xaf"), std::string("\xe4\xb8")})
    EXPECT_FALSE(text::is_clean_text(bad)) << text::printable(bad);
  EXPECT_TRUE(text::is_clean_text("\xc2\xa0"));  // U+00A0 is past C1
}

}  // namespace
