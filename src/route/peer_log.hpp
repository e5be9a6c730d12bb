#pragma once
// The route's budget for lines a peer can make it write at will: per vnet
// (peer_subject()) for its requests, one shared subject for the handshakes
// of connections that are no session yet. Over the budget a line is counted,
// not written (logging::budget).
#include <chrono>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "log/budget.hpp"

namespace route {

inline constexpr const char* handshakes_subject = "connections in their handshake";
inline std::string peer_subject(std::uint32_t vnetid) { return fmt::format("vnet {:02}", vnetid); }
// The budget's size: 20 lines per subject and kind every 10 s.
inline constexpr std::size_t peer_log_lines = 20;
inline constexpr auto peer_log_window = std::chrono::seconds(10);

}  // namespace route
