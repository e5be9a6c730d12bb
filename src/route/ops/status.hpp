#pragma once
// The route's HTTP answers ([route] metrics): GET /metrics, / (the status
// page) and /status.json, from the server's state (status.cpp).
#include "http/server.hpp"
#include "route/server.hpp"
#include "route/ops/state_view.hpp"

namespace route {

// /metrics (Prometheus text) and /status.json, from the state now.
std::string metrics_text(const state_view& route);
std::string status_json(const state_view& route);

// Valid while `srv` lives.
http::handler status_handler(const server& srv);

}  // namespace route
