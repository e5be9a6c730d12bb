#include "metrics/exposition.hpp"

#include <limits>

#include <fmt/format.h>

namespace metrics {
namespace {

std::string escape(std::string_view v, bool quote) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (v == std::numeric_limits<double>::infinity()) return "+Inf";
  return fmt::format("{}", v);
}

}  // namespace

std::string escape_label_value(std::string_view v) { return escape(v, true); }
std::string escape_help(std::string_view v) { return escape(v, false); }

void writer::family(std::string_view name, std::string_view help, std::string_view type) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

void writer::head(std::string_view name, const labels& l,
                  const std::pair<std::string_view, std::string>* extra) {
  out_ += name;
  if (l.empty() && !extra) return;
  out_ += '{';
  bool first = true;
  auto one = [&](std::string_view k, std::string_view v) {
    out_ += fmt::format("{}{}=\"{}\"", first ? "" : ",", k, escape_label_value(v));
    first = false;
  };
  for (const auto& [k, v] : l) one(k, v);
  if (extra) one(extra->first, extra->second);
  out_ += '}';
}

void writer::sample(std::string_view name, const labels& l, std::uint64_t value) {
  head(name, l, nullptr);
  out_ += fmt::format(" {}\n", value);
}

void writer::sample(std::string_view name, const labels& l, double value) {
  head(name, l, nullptr);
  out_ += " " + number(value) + "\n";
}

void writer::histogram(std::string_view name, const labels& l, const metrics::histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i <= histogram::bounds.size(); ++i) {
    std::pair<std::string_view, std::string> le{
        "le", i < histogram::bounds.size() ? number(histogram::bounds[i]) : "+Inf"};
    head(bucket, l, &le);
    out_ += fmt::format(" {}\n", h.cumulative(i));
  }
  head(std::string(name) + "_sum", l, nullptr);
  out_ += " " + number(h.sum()) + "\n";
  head(std::string(name) + "_count", l, nullptr);
  out_ += fmt::format(" {}\n", h.count());
}

}  // namespace metrics
