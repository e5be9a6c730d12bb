#pragma once
// The Prometheus text exposition format, version 0.0.4: HELP and TYPE lines,
// samples with escaped label values, histograms with cumulative buckets.
// Pure code: the daemons fill a writer from their state at each scrape.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace metrics {

inline constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

// name -> value; values may come from peers (group and serve names).
using labels = std::vector<std::pair<std::string_view, std::string>>;

// Label values: backslash, double quote and line feed escaped, as the
// format requires; every other byte is kept (the format is UTF-8).
std::string escape_label_value(std::string_view v);
// HELP text: backslash and line feed escaped.
std::string escape_help(std::string_view v);

class writer {
 public:
  // Starts a metric family; type is counter, gauge or histogram.
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const labels& l, std::uint64_t value);
  void sample(std::string_view name, const labels& l, double value);
  // name_bucket{le=...} (cumulative, ending with +Inf), name_sum, name_count.
  void histogram(std::string_view name, const labels& l, const metrics::histogram& h);
  const std::string& text() const { return out_; }

 private:
  void head(std::string_view name, const labels& l, const std::pair<std::string_view, std::string>* extra);
  std::string out_;
};

}  // namespace metrics
