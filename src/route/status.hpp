#pragma once
// The route's HTTP answers ([route] metrics): GET /metrics, / (the status
// page) and /status.json, from the server's state (status.cpp).
#include "http/server.hpp"
#include "route/server.hpp"

namespace route {

// Valid while `srv` lives.
http::handler status_handler(const server& srv);

}  // namespace route
