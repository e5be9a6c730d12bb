#pragma once
// One link of a use for its whole life (use_table::open_link sets it up):
// the client and its link to the route, counted in the use's socket_set
// (counted_link). Nothing of its own beyond its log words.
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "vnet/session/counted_link.hpp"

namespace vnet {

class use_link final : public counted_link {
 public:
  // in = from the route, out = to it; the client's bytes go out.
  use_link(const net::asio::any_io_executor& ex, std::shared_ptr<net::socket_set> links,
           const route_context& ctx, const std::string& name, std::uint16_t serveid)
      : counted_link(ex, std::move(links), ctx, fmt::format("use {}: link to serveid {:03}", name, serveid),
                     "out", "in") {}
};

}  // namespace vnet
