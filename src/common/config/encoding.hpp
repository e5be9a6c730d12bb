#pragma once
// What a configuration file that is not UTF-8 looks like, so that the error
// can say "save the file as UTF-8" and name the encoding an editor chose:
// Notepad on Chinese Windows saves "ANSI" (GBK), and "Unicode" (UTF-16).
#include <optional>
#include <string>
#include <string_view>

namespace config {

struct foreign_text {
  std::string encoding;  // "UTF-16 (little-endian)", "GBK (Chinese Windows' \"ANSI\")", ...
  int line = 0;          // the first line that is not UTF-8 (1-based); 0 for the whole file
};

// nullopt when `text` (after any UTF-8 byte order mark) is UTF-8.
std::optional<foreign_text> foreign_encoding(std::string_view text);

}  // namespace config
