#pragma once
// The configuration schema: one table of keys per section, each row saying
// everything about one key (its name, the member it fills, the rule that
// reads it, its default, when a change applies, whether it is a secret, and
// a line of documentation). Defaults, loading, the unknown-key check, reload
// summaries, saving and the terminal's defaults all walk these tables, and a
// test checks the configuration reference against them, the way each
// protocol message's `fields` list drives encode, decode and limits.
//
// Rows are built by row<Rule, &Config::member>(about{...}): the rule
// (config/rules.hpp) turns text into the member's type and back.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "config/config.hpp"
#include "outcome/result.hpp"

namespace config {

// When a changed value takes effect after a reload, in the words the reload
// summary prints after `key old -> new`.
enum class applies {
  at_once,          // ""  (read for every new link, request or hello)
  next_connection,  // " (at the next connection)"  (read when a session starts)
  next_start,       // " (at the next start)"
  restart,          // a listener bound at start: "a/b changed: needs a restart"
};
std::string_view applies_words(applies when);

// How the reload summary shows a changed value.
enum class shown {
  value,      // "key old -> new"
  name_only,  // "key set|changed|removed": a long value (a path, a fingerprint)
  secret,     // the same, and never written anywhere else either
};

// What a row says besides its member and rule.
struct about {
  const char* key;
  // The default as text, read by the row's rule into every fresh config;
  // nullptr: the member stays empty (or zero), or the loader computes it.
  const char* value = nullptr;
  // The default as the configuration reference words it, when not `value`
  // ("required", "none", "off", "NAME").
  std::string_view doc_default = {};
  applies when = applies::at_once;
  shown show = shown::value;
  bool required = false;  // a file must set it
  // Reload reports it in words of its own: the route's address, a vnet's
  // name and group (it reconnects), startserve/startuse (through the
  // entries' `active`).
  bool apart = false;
  std::string_view doc = {};
};

template <class Config>
struct key_row : about {
  outcome::status (*read)(Config&, std::string_view text);  // rule, then store
  std::string (*text)(const Config&);                        // as reload and save write it
  bool (*same)(const Config&, const Config&);
  void (*copy)(Config& to, const Config& from);

  // The default as the reference shows it.
  std::string_view documented_default() const {
    return doc_default.empty() && value ? std::string_view(value) : doc_default;
  }
};

template <class Config>
using table = std::span<const key_row<Config>>;

namespace detail {
template <class M>
struct owner_of;
template <class C, class T>
struct owner_of<T C::*> {
  using type = C;
};
template <auto First, auto...>
struct path_owner {
  using type = typename owner_of<decltype(First)>::type;
};
template <auto... Path>
using owner_t = typename path_owner<Path...>::type;

// c.*a.*b...: the member a path of member pointers leads to.
template <auto... Path, class C>
auto& member(C& c) {
  return (c .* ... .* Path);
}
}  // namespace detail

// A row for the member at the end of Path (one member pointer, or a nested
// path: &route_config::listen, &endpoint::ip).
template <class Rule, auto... Path>
key_row<detail::owner_t<Path...>> row(const about& a) {
  using C = detail::owner_t<Path...>;
  key_row<C> k{a, nullptr, nullptr, nullptr, nullptr};
  k.read = +[](C& c, std::string_view v) -> outcome::status {
    auto r = Rule::parse(v);
    if (!r) return r.error();
    detail::member<Path...>(c) = std::move(*r);
    return {};
  };
  k.text = +[](const C& c) -> std::string { return Rule::show(detail::member<Path...>(c)); };
  k.same = +[](const C& a, const C& b) {
    return detail::member<Path...>(a) == detail::member<Path...>(b);
  };
  k.copy = +[](C& to, const C& from) { detail::member<Path...>(to) = detail::member<Path...>(from); };
  return k;
}

// The tables, in the order of the configuration reference (and of the reload
// summary). [route] is read by both daemons, each for its own keys; one file
// may serve both ends, so each accepts the other's (route_section_names()).
table<route_config> route_keys();       // [route] as the route reads it, but its quotas
table<route_limits> route_limit_keys(); // [route] max_*: the route's quotas per peer
table<vnet_config> vnet_route_keys();   // [route] as a vnet reads it
table<vnet_config> vnet_keys();         // [vnet]
table<serve_config> serve_keys();       // [serve.NAME]
table<use_config> use_keys();           // [use.NAME]

// Every key [route] may hold, for either daemon.
const std::vector<std::string_view>& route_section_names();

template <class Config>
std::vector<std::string_view> names_of(table<Config> t) {
  std::vector<std::string_view> out;
  for (const auto& k : t) out.push_back(k.key);
  return out;
}

template <class Config>
const key_row<Config>* find_key(table<Config> t, std::string_view name) {
  for (const auto& k : t)
    if (k.key == name) return &k;
  return nullptr;
}

// Sets every member with a default to it. The structs' constructors call
// this, so a fresh config holds the table's defaults.
template <class Config>
void apply_defaults(table<Config> t, Config& c) {
  for (const auto& k : t)
    if (k.value) (void)k.read(c, k.value);  // every default passes its rule (schema_test.cpp)
}

// What the loader does once a section's keys are read: a serve's display
// name is its NAME unless the file gives one.
void complete(serve_config& c);
inline void complete(use_config&) {}

// The default text of a key, as the terminal offers it ("000", "127.0.0.1").
template <class Config>
std::string_view default_text(table<Config> t, std::string_view name) {
  const auto* k = find_key(t, name);
  return k && k->value ? k->value : "";
}

// What changed between two configs, one line per key as reload prints it:
// "heartbeat 6 -> 2 (at the next connection)", "token set", one
// "metrics/status_token changed: needs a restart" for the keys that wait for
// a restart. Keys reported apart are left out.
template <class Config>
std::vector<std::string> changes(table<Config> t, const Config& before, const Config& after) {
  std::vector<std::string> out;
  bool restart_named = false;
  for (const auto& k : t) {
    if (k.apart) continue;
    if (k.when == applies::restart) {
      if (restart_named) continue;
      restart_named = true;
      // One line for all of them: they wait for the same restart.
      std::string names;
      bool changed = false;
      for (const auto& r : t) {
        if (r.apart || r.when != applies::restart) continue;
        names += (names.empty() ? "" : "/") + std::string(r.key);
        changed |= !r.same(before, after);
      }
      if (changed) out.push_back(names + " changed: needs a restart");
      continue;
    }
    if (k.same(before, after)) continue;
    std::string line(k.key);
    if (k.show == shown::value) {
      line += " " + k.text(before) + " -> " + k.text(after);
    } else {
      auto a = k.text(before), b = k.text(after);
      line += b.empty() ? " removed" : a.empty() ? " set" : " changed";
    }
    out.push_back(line + std::string(applies_words(k.when)));
  }
  return out;
}

}  // namespace config
