#include "text/plural.hpp"

#include <fmt/format.h>

namespace text {

const char* plural(std::size_t n) { return n == 1 ? "" : "s"; }

std::string plural(std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, plural(n)); }

}  // namespace text
