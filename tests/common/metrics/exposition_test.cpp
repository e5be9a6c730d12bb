// The Prometheus text format: escaping, histogram buckets, bounded label sets.
#include "metrics/exposition.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "metrics/bounded_counters.hpp"
#include "metrics/histogram.hpp"

namespace metrics {
namespace {

TEST(Exposition, LabelValuesAreEscaped) {
  EXPECT_EQ(escape_label_value(R"(a"b\c)" "\n" "d"), R"(a\"b\\c\nd)");
  EXPECT_EQ(escape_label_value("网页 <script>"), "网页 <script>");  // UTF-8 and markup are fine here
  writer w;
  w.family("vnet_x_total", "Help with \\ and\nnewline.", "counter");
  w.sample("vnet_x_total", {{"group", "g\"1\n"}, {"serveid", "700"}}, std::uint64_t{5});
  EXPECT_EQ(w.text(),
            "# HELP vnet_x_total Help with \\\\ and\\nnewline.\n"
            "# TYPE vnet_x_total counter\n"
            "vnet_x_total{group=\"g\\\"1\\n\",serveid=\"700\"} 5\n");
}

TEST(Exposition, SamplesWithoutLabels) {
  writer w;
  w.sample("a", {}, std::uint64_t{18446744073709551615ull});
  w.sample("b", {}, 1.5);
  EXPECT_EQ(w.text(), "a 18446744073709551615\nb 1.5\n");
}

TEST(Histogram, BucketsAreCumulativeAndInclusive) {
  histogram h;
  h.observe(0.0001);  // first bucket
  h.observe(0.0005);  // exactly the first bound: still the first bucket (le is <=)
  h.observe(0.003);   // 0.005
  h.observe(10.0);    // the last bound
  h.observe(60.0);    // only +Inf
  writer w;
  w.histogram("s", {{"x", "1"}}, h);
  const auto& t = w.text();
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"0.0005\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"0.0025\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"0.005\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"5\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"10\"} 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_bucket{x=\"1\",le=\"+Inf\"} 5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_count{x=\"1\"} 5\n"), std::string::npos) << t;
  EXPECT_NE(t.find("s_sum{x=\"1\"} 70.0036\n"), std::string::npos) << t;
  // One line per bound, +Inf, sum and count.
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), static_cast<long>(histogram::bounds.size() + 3));
}

TEST(BoundedCounters, NewSetsBeyondTheBoundAreSummedAsOther) {
  bounded_counters c(2, {"other", "other"});
  c.add({"g", "700"}, 10);
  c.add({"g", "701"}, 20);
  c.add({"g", "702"}, 30);  // a third set: other
  c.add({"h", "700"}, 5);   // and a fourth
  c.add({"g", "700"}, 1);   // known sets keep counting
  ASSERT_EQ(c.values().size(), 3u);
  EXPECT_EQ(c.values().at({"g", "700"}), 11u);
  EXPECT_EQ(c.values().at({"g", "701"}), 20u);
  EXPECT_EQ(c.values().at({"other", "other"}), 35u);
  for (int i = 0; i < 1000; ++i) c.add({"g", std::to_string(i)}, 1);
  EXPECT_EQ(c.values().size(), 3u);  // bounded whatever peers invent
}

TEST(BoundedCounters, ResolvedSetsStayPut) {
  bounded_counters c(1, {"other"});
  const auto& a = c.resolve({"a"});  // room: its own set, at 0
  EXPECT_EQ(a, bounded_counters::key{"a"});
  EXPECT_EQ(c.values().at({"a"}), 0u);
  const auto& b = c.resolve({"b"});  // full: the overflow set
  EXPECT_EQ(b, bounded_counters::key{"other"});
  c.add(a, 5);
  c.add(b, 7);
  c.add({"c"}, 1);
  EXPECT_EQ(c.values().at({"a"}), 5u);
  EXPECT_EQ(c.values().at({"other"}), 8u);
  EXPECT_EQ(&c.resolve({"a"}), &a);  // the same set, however often resolved
}

}  // namespace
}  // namespace metrics
