#pragma once
// Counted words in messages and tables: "1 link", "3 links". English only,
// and only for words that take an "s".
#include <cstddef>
#include <string>
#include <string_view>

namespace text {

// "" for one, "s" otherwise: "at most {} link{}".
const char* plural(std::size_t n);
// The count and the word: "1 vnet", "0 vnets", "12 serves".
std::string plural(std::size_t n, std::string_view word);

}  // namespace text
