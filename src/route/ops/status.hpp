#pragma once
// The route's HTTP answers ([route] metrics): GET /metrics, / (the status
// page) and /status.json, from the server's state (status.cpp).
#include "http/server.hpp"
#include "route/server.hpp"
#include "route/ops/state_view.hpp"

namespace route {

// Rows of each list in /status.json at most (its *_total counts them all).
inline constexpr std::size_t max_status_rows = 100;

// /metrics (Prometheus text, status.cpp) and /status.json (status_json.cpp),
// from the state now.
std::string metrics_text(const state_view& route);
std::string status_json(const state_view& route);

// Valid while `srv` lives.
http::handler status_handler(const server& srv);

}  // namespace route
