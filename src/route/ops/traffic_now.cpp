#include "route/ops/traffic_now.hpp"

namespace route {

traffic_now traffic(const stats& st, const std::vector<link_table::link_view>& live) {
  traffic_now t{st.bytes_relayed, st.group_bytes.values(), st.serve_bytes.values(), {}, {}};
  t.route = {st.bytes_up, st.bytes_down, st.links_opened_total(), st.links_failed_total()};
  for (const auto& [k, a] : st.groups) t.group_activity[k[0]] += a;
  for (const auto& l : live) {
    const auto n = l.traffic.total();
    t.relayed += n;
    t.route.bytes_up += l.traffic.a_to_b;
    t.route.bytes_down += l.traffic.b_to_a;
    if (l.traffic.group) {
      t.groups[*l.traffic.group] += n;
      auto& g = t.group_activity[(*l.traffic.group)[0]];
      g.bytes_up += l.traffic.a_to_b;
      g.bytes_down += l.traffic.b_to_a;
    }
    if (l.traffic.serve) t.serves[*l.traffic.serve] += n;
  }
  return t;
}

}  // namespace route
