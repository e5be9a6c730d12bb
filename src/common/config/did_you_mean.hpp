#pragma once
// Near-miss suggestions for unknown keys and sections ("prot" -> "port").
// Internal to the loader.
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace config {

// Edit distance where swapping two neighbours counts as one edit, since
// "prot" for "port" is the commonest typo of all.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The closest of `known` to `word`, if it is a plausible typo of it: at most
// two edits, and fewer edits than the shorter word has letters (so "ip" is
// not offered for "xy").
template <typename Range>
std::optional<std::string> closest(std::string_view word, const Range& known) {
  std::optional<std::string> best;
  std::size_t best_d = 3;
  for (std::string_view k : known) {
    // Lengths alone rule most out, and keep a 64 KiB unknown key cheap.
    if (word.size() > k.size() + 2 || k.size() > word.size() + 2) continue;
    auto d = edit_distance(word, k);
    if (d < best_d && d < std::min(word.size(), k.size())) {
      best_d = d;
      best = std::string(k);
    }
  }
  return best;
}

inline std::optional<std::string> closest(std::string_view word,
                                          std::initializer_list<std::string_view> known) {
  return closest<std::initializer_list<std::string_view>>(word, known);
}

}  // namespace config
