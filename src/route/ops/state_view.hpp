#pragma once
// What the route's operator reads (ctl, /metrics, the status page): the
// parts of the route's state they show, read-only, on the io_context thread.
#include "route/admission_book.hpp"
#include "route/links/idle_links.hpp"
#include "route/links/link_table.hpp"
#include "route/registry.hpp"
#include "route/sessions/session_table.hpp"
#include "route/ops/history.hpp"
#include "route/ops/stats.hpp"

namespace route {

struct state_view {
  const registry& vnets;
  const session_table& sessions;
  const link_table& links;
  const idle_links& idle;
  const stats& counters;
  const admission_book& admission;
  const history& rates;
};

}  // namespace route
