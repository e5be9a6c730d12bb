#pragma once
// The vnet's /metrics ([vnet] metrics=IP:PORT): its session with the route
// and, per serve and use, links now and in total and bytes each way.
#include <string>

#include "http/server.hpp"
#include "vnet/session/client.hpp"

namespace vnet {

std::string metrics_text(const client& c);
// Answers GET /metrics; valid while `c` lives.
http::handler metrics_handler(const client& c);

}  // namespace vnet
