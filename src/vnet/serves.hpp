#pragma once
// The serves of this vnet: registration on the route (with the serveid the
// route grants) and, for each link the route requests, a dial to the real
// service joined to a fresh link to the route.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/socket_set.hpp"
#include "vnet/route_context.hpp"

namespace vnet {

enum class serve_state { inactive, unregistered, pending, registered, refused };
const char* to_string(serve_state s);

struct serve_entry {
  config::serve_config cfg;
  serve_state state = serve_state::unregistered;
  std::uint16_t serveid = 0;  // granted by the route while registered
  std::string reason;         // why refused or replaced
  std::uint32_t request_id = 0;
  // Shared with the link coroutines, which may outlive a reload of the table.
  std::shared_ptr<net::socket_set> links = std::make_shared<net::socket_set>();
};

class serve_table {
 public:
  serve_table(net::asio::any_io_executor ex, route_context& ctx);

  void load(const std::vector<config::serve_config>& serves);
  void on_connected();     // register every active serve
  void on_disconnected();  // the route forgot them all
  void on_result(const protocol::serve_result& r);
  void on_link_request(const protocol::link_request& r);
  // Static ids refused because another vnet held them are tried again.
  void retry_refused(const protocol::serve_list& list);
  void close_all_links();

  const std::vector<serve_entry>& entries() const { return entries_; }
  const serve_entry* find_by_serveid(std::uint16_t serveid) const;

 private:
  void request_registration(serve_entry& e);
  net::awaitable<void> carry(std::size_t index, protocol::link_request r);

  net::asio::any_io_executor ex_;
  route_context& ctx_;
  std::vector<serve_entry> entries_;
  std::uint32_t next_request_ = 1;
};

}  // namespace vnet
