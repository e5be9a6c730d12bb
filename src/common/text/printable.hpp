#pragma once
// Text that came from somewhere else (another vnet, the route, a file) shown
// to a person: in a log line or a terminal table. Such text is data, so it
// must not be able to end a log line, move the cursor or reorder what
// follows it; and tables need its width on screen, not its byte count.
#include <cstddef>
#include <string>
#include <string_view>

namespace text {

// `s` with everything that could act on a terminal or a log replaced by a
// visible escape: C0 controls and DEL as \n, \r, \t, \e or \xNN; C1
// controls and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069) as \u{XXXX}; bytes that are not valid UTF-8 as \xNN; and
// the backslash itself as \\ so that an escape cannot be forged. Valid
// printable UTF-8 (CJK, accents, emoji) is kept as it is.
std::string printable(std::string_view s);

// Columns `s` takes on a terminal: East Asian wide and fullwidth characters
// and most emoji count 2, combining marks and zero-width characters 0,
// everything else 1. Meant for text already passed through printable();
// an invalid byte counts 1.
std::size_t display_width(std::string_view s);

// True when `s` is well-formed UTF-8 without control characters: no C0
// (tab and newline included), no DEL, no C1 (U+0080-U+009F). The rule for
// names, groups and info a peer sends: such text is refused, not escaped.
bool is_clean_text(std::string_view s);

}  // namespace text
