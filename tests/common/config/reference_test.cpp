// The configuration reference (the markdown file in VNET_CONFIG_REFERENCE)
// against the schema: every key of a section's table is in the reference's
// table for it, with its default, and the reference names no key the schema
// lacks. The tables are read tolerantly: a heading naming the section, then
// the first markdown table below it, its "key" and "default" columns found
// by their header; a cell may list several keys ("`tls_cert`, `tls_key`");
// backticks and spaces around a cell do not count.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/schema.hpp"

namespace config {
namespace {

const std::string reference_file = VNET_CONFIG_REFERENCE;

std::string strip(std::string s) {
  auto keep = [](char c) { return c != '`' && c != ' ' && c != '\t' && c != '*'; };
  auto b = std::find_if(s.begin(), s.end(), keep);
  auto e = std::find_if(s.rbegin(), s.rend(), keep).base();
  if (b >= e) return {};
  s = std::string(b, e);
  std::erase(s, '`');
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "| a | b |" -> {"a", "b"}; an escaped "\|" stays in its cell.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  out.push_back(cell);
  // The text before the first '|' and after the last one is no cell.
  if (!out.empty()) out.erase(out.begin());
  if (!out.empty() && strip(out.back()).empty()) out.pop_back();
  return out;
}

// The key -> default table under the first heading that names `section`
// ("[route]"); a key may appear twice (its doc then has two rows): both kept.
std::multimap<std::string, std::string> documented(const std::string& section) {
  std::ifstream in(reference_file);
  EXPECT_TRUE(in.good()) << "cannot read " << reference_file;
  std::multimap<std::string, std::string> out;
  std::string line;
  bool under = false;
  int key_col = -1, default_col = -1;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto text = line.substr(line.find_first_not_of(" \t") == std::string::npos
                                ? line.size()
                                : line.find_first_not_of(" \t"));
    if (text.starts_with("#")) {
      if (under && key_col >= 0) break;  // the table ended at the next heading
      under = text.find(section) != std::string::npos;
      continue;
    }
    if (!under) continue;
    if (!text.starts_with("|")) {
      if (key_col >= 0) break;  // the first table is over
      continue;
    }
    auto row = cells(text);
    if (key_col < 0) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        auto h = lower(strip(row[i]));
        if (h == "key" || h == "keys") key_col = static_cast<int>(i);
        if (h == "default") default_col = static_cast<int>(i);
      }
      EXPECT_GE(key_col, 0) << section << ": no key column in " << text;
      EXPECT_GE(default_col, 0) << section << ": no default column in " << text;
      if (key_col < 0 || default_col < 0) break;
      continue;
    }
    if (strip(row[0]).find_first_not_of("-:") == std::string::npos) continue;  // |---|---|
    if (static_cast<int>(row.size()) <= std::max(key_col, default_col)) continue;
    std::stringstream keys(row[static_cast<std::size_t>(key_col)]);
    for (std::string k; std::getline(keys, k, ',');)
      if (!strip(k).empty()) out.emplace(strip(k), strip(row[static_cast<std::size_t>(default_col)]));
  }
  EXPECT_FALSE(out.empty()) << "no key table under a heading naming " << section << " in "
                            << reference_file;
  return out;
}

struct schema_key {
  std::string key, default_text;
};

template <class Config>
void add(std::vector<schema_key>& out, table<Config> t) {
  for (const auto& k : t) out.push_back({k.key, std::string(k.documented_default())});
}

void check(const std::string& section, const std::vector<schema_key>& schema) {
  auto docs = documented(section);
  for (const auto& k : schema) {
    auto [b, e] = docs.equal_range(k.key);
    EXPECT_TRUE(b != e) << section << " " << k.key << " is not in " << reference_file;
    for (auto it = b; it != e; ++it)
      EXPECT_EQ(it->second, k.default_text)
          << section << " " << k.key << ": the default in " << reference_file;
  }
  for (const auto& [key, dflt] : docs) {
    bool known = std::any_of(schema.begin(), schema.end(),
                             [&](const schema_key& k) { return k.key == key; });
    EXPECT_TRUE(known) << reference_file << " documents " << section << " " << key
                       << ", which the schema does not have";
  }
}

TEST(Reference, RouteKeys) {
  std::vector<schema_key> keys;
  add(keys, route_keys());
  add(keys, route_limit_keys());
  add(keys, vnet_route_keys());  // ip, port and token twice: both must agree with the docs
  check("[route]", keys);
}

TEST(Reference, VnetKeys) {
  std::vector<schema_key> keys;
  add(keys, vnet_keys());
  check("[vnet]", keys);
}

TEST(Reference, ServeKeys) {
  std::vector<schema_key> keys;
  add(keys, serve_keys());
  check("[serve.NAME]", keys);
}

// The example file beside the README names every key in its section, set
// or commented out (";key = ...").
TEST(Reference, TheExampleNamesEveryKey) {
  const std::string example = std::string(VNET_FIXTURES) + "/../../config.ini.example";
  std::ifstream in(example);
  ASSERT_TRUE(in.good()) << example;
  std::map<std::string, std::set<std::string>> named;  // section kind -> keys
  std::string kind, line;
  while (std::getline(in, line)) {
    auto t = strip(line);
    if (t.starts_with("[")) {
      kind = t.substr(1, t.find_first_of(".]") - 1);
      continue;
    }
    if (t.starts_with(";")) t = strip(t.substr(1));
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    auto k = strip(t.substr(0, eq));
    if (!k.empty() && k.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos)
      named[kind].insert(k);
  }
  auto expect = [&](const std::string& kind, std::vector<std::string_view> keys) {
    for (auto k : keys)
      EXPECT_TRUE(named[kind].contains(std::string(k))) << "[" << kind << "] " << k << " in " << example;
  };
  expect("route", route_section_names());
  expect("vnet", names_of(vnet_keys()));
  expect("serve", names_of(serve_keys()));
  expect("use", names_of(use_keys()));
}

TEST(Reference, UseKeys) {
  std::vector<schema_key> keys;
  add(keys, use_keys());
  check("[use.NAME]", keys);
}

}  // namespace
}  // namespace config
