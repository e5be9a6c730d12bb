#pragma once
// Byte counts for people: "512 bytes", "95.0 KiB", "4 MiB", "1.5 MiB",
// "3.20 GiB". Whole mebibytes stay whole (limits read "4 MiB").
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace text {

inline std::string human_bytes(std::uint64_t n) {
  constexpr std::uint64_t kib = 1024, mib = kib * 1024, gib = mib * 1024;
  if (n >= gib) return fmt::format("{:.2f} GiB", static_cast<double>(n) / gib);
  if (n >= mib && n % mib == 0) return fmt::format("{} MiB", n / mib);
  if (n >= mib) return fmt::format("{:.1f} MiB", static_cast<double>(n) / mib);
  if (n >= kib) return fmt::format("{:.1f} KiB", static_cast<double>(n) / kib);
  return fmt::format("{} bytes", n);
}

}  // namespace text
