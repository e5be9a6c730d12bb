// The message list of messages.hpp: every alternative of the variant has its
// own tag and name, and every member of every struct is in its field list
// (a member left out would silently never travel).
#include "protocol/messages.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <set>
#include <typeinfo>
#include <string>
#include <utility>
#include <variant>

#include "protocol/codec.hpp"

namespace protocol {
namespace {

template <class F, std::size_t... I>
void for_each_message(F&& f, std::index_sequence<I...>) {
  (f.template operator()<std::variant_alternative_t<I, message>>(), ...);
}
template <class F>
void for_each_message(F&& f) {
  for_each_message(f, std::make_index_sequence<std::variant_size_v<message>>{});
}

TEST(Messages, EveryAlternativeHasItsOwnTag) {
  std::map<std::uint16_t, std::string> seen;
  for_each_message([&]<class M>() {
    auto [it, fresh] = seen.emplace(static_cast<std::uint16_t>(M::tag), M::type_name);
    EXPECT_TRUE(fresh) << M::type_name << " has the tag of " << it->second;
    EXPECT_EQ(type_of(M{}), M::tag) << M::type_name;
  });
  EXPECT_EQ(seen.size(), std::variant_size_v<message>);
}

TEST(Messages, NameOfEveryAlternative) {
  std::set<std::string> names;
  for_each_message([&]<class M>() {
    EXPECT_STREQ(name_of(M::tag), M::type_name);
    EXPECT_STRNE(M::type_name, "unknown");
    names.insert(M::type_name);
  });
  EXPECT_EQ(names.size(), std::variant_size_v<message>);
  // The names the route and the vnets log.
  EXPECT_STREQ(name_of(type_of(control_hello{})), "control_hello");
  EXPECT_STREQ(name_of(type_of(ping{})), "ping");
  EXPECT_STREQ(name_of(type_of(serve_list_update{})), "serve_list_update");
  EXPECT_STREQ(name_of(type_of(link_key_update{})), "link_key_update");
  EXPECT_STREQ(name_of(type{0x7777}), "unknown");
}

// Converts to any member's type, so T{any_member{}...} finds how many
// members the aggregate T has (no brace elision: it converts to an array
// member as a whole).
struct any_member {
  template <class T>
  operator T() const;
};

template <class T, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { T{A{}..., any_member{}}; })
    return member_count<T, A..., any_member>();
  else
    return sizeof...(A);
}

template <class T>
void expect_every_member_listed();

// Counts the entries of a field list, and checks the nested structs it meets.
struct field_counter {
  std::size_t n = 0;
  template <class T>
  void operator()(T&, auto&&...) {
    ++n;
    if constexpr (field::has_fields<T>) expect_every_member_listed<T>();
    if constexpr (field::is_list<T>) {
      if constexpr (field::has_fields<typename T::value_type>)
        expect_every_member_listed<typename T::value_type>();
    }
  }
};

template <class T>
void expect_every_member_listed() {
  T m{};
  field_counter c;
  T::fields(c, m);
  EXPECT_EQ(c.n, member_count<T>()) << typeid(T).name() << ": a member missing from its fields";
}

TEST(Messages, EveryMemberIsInItsFieldList) {
  // The counting itself: control_hello has six members, serve_info seven.
  static_assert(member_count<control_hello>() == 6);
  static_assert(member_count<serve_info>() == 7);
  for_each_message([&]<class M>() { expect_every_member_listed<M>(); });
}

}  // namespace
}  // namespace protocol
