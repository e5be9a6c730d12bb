#pragma once
// One ini section as the loaders see it. Every failure names file, section,
// key and the bad value, so the message alone tells the user what to fix.
// Internal to the loaders (load.cpp, sections.cpp): which keys a section
// holds and how each is read is the schema's (schema.hpp).
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/did_you_mean.hpp"
#include "config/ini_file.hpp"
#include "config/values.hpp"

namespace config {

class section {
 public:
  section(std::string file, std::string name) : file_(std::move(file)), name_(std::move(name)) {}

  const std::string& file() const { return file_; }
  const std::string& name() const { return name_; }
  const std::vector<ini_entry>& entries() const { return entries_; }

  // Headers that differ only in case ([Route] and [route]) are one section,
  // so a key may come back here from another header.
  void add(ini_entry e) {
    if (const auto* first = find(e.key))
      throw error(file_ + ":" + std::to_string(e.line) + ": [" + name_ + "] " + e.key +
                  " is set twice (first on line " + std::to_string(first->line) + ")");
    entries_.push_back(std::move(e));
  }

  const ini_entry* find(std::string_view key) const {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const ini_entry& e) { return e.key == key; });
    return it == entries_.end() ? nullptr : &*it;
  }

  // A near-miss key in the section is named: "port is required" alone
  // leaves the user staring at the "prot" they wrote. (No two known keys of
  // a section are within two edits of a required one, so any near miss is
  // a typo.)
  const ini_entry& require(std::string_view key) const {
    if (const auto* e = find(key)) return *e;
    std::string msg = file_ + ": [" + name_ + "] " + std::string(key) + " is required";
    for (const auto& e : entries_) {
      if (closest(e.key, {key})) {
        msg += " (\"" + e.key + "\" on line " + std::to_string(e.line) + ": did you mean " +
               std::string(key) + "?)";
        break;
      }
    }
    throw error(msg);
  }

  [[noreturn]] void fail(const ini_entry& e, std::string_view why) const {
    throw error(file_ + ": [" + name_ + "] " + value_error(e.key, e.value, why));
  }

  // Unknown keys are warnings for a daemon (it starts, as it always did)
  // and errors for --check-config, which counts them in `c.unknown`. One
  // that is a near miss of a secret's key (`group-key=`) is a problem that
  // stops the start, reported to `found`: the daemon would otherwise run
  // without the token, the group key or the pin the user meant to set.
  template <typename Config, typename Problems>
  void warn_unknown(const std::vector<std::string_view>& known, Config& c, Problems& found) const {
    for (const auto& e : entries_) {
      if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
      auto near = closest(e.key, known);
      if (near && is_secret_key(*near)) {
        found.list().push_back(file_ + ": [" + name_ + "] unknown key \"" + e.key + "\" (line " +
                               std::to_string(e.line) + "): did you mean \"" + *near +
                               "\"? A secret's key must be spelled right: without it the daemon would run "
                               "unprotected");
        continue;
      }
      std::string w = file_ + ": [" + name_ + "] unknown key \"" + e.key + "\" (line " +
                      std::to_string(e.line) + ") ignored";
      if (near) w += "; did you mean \"" + *near + "\"?";
      c.warnings.push_back(std::move(w));
      ++c.unknown;
    }
  }

  static bool is_secret_key(std::string_view key) {
    return key == "token" || key == "group_key" || key == "fingerprint" || key == "status_token";
  }

 private:
  std::string file_;
  std::string name_;
  std::vector<ini_entry> entries_;
};

// Every problem of a file, not only the first (config::error): a failed
// read is noted and the loader goes on with the next key or section.
class problems {
 public:
  template <typename F>
  void attempt(F&& f) {
    try {
      f();
    } catch (const error& e) {
      list_.insert(list_.end(), e.problems().begin(), e.problems().end());
    }
  }
  // As attempt(), for the read of `key` in `s`: a check across keys that
  // one of its keys failed (failed()) is skipped, not reported twice.
  template <typename F>
  void attempt(const section& s, std::string_view key, F&& f) {
    const auto before = list_.size();
    attempt(std::forward<F>(f));
    if (list_.size() != before) failed_.push_back(s.name() + "/" + std::string(key));
  }
  bool failed(const section& s, std::string_view key) const {
    return std::find(failed_.begin(), failed_.end(), s.name() + "/" + std::string(key)) != failed_.end();
  }
  std::vector<std::string>& list() { return list_; }
  // Throws them all, with the file's warnings so far, if there is any.
  template <typename Config>
  void throw_if_any(const Config& c) const {
    if (!list_.empty()) throw error(list_, c.warnings, c.unknown);
  }

 private:
  std::vector<std::string> list_;
  std::vector<std::string> failed_;  // "section/key" of the keys that did not read
};

// A file's sections (sections.cpp). The kinds route, vnet, serve and use
// are case-insensitive, the NAME after the dot is not: "[Serve.SSH]" is
// "serve.SSH". The sections come in file order, keys before any section first
// (under ""); repeated headers merge, as in inih; a key set twice is refused.
// Problems (a bad line, a key set twice) go to `found`.
std::vector<section> load_sections(const std::string& text, const std::string& file, problems& found);
// "[servce.ssh]" -> "[serve.ssh]", "[vnte]" -> "[vnet]", "[serve]" ->
// "[serve.NAME]"; empty when nothing is close.
std::string section_suggestion(const std::string& name);
const section* find_section(const std::vector<section>& all, std::string_view name);

}  // namespace config
