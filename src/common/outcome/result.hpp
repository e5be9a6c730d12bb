#pragma once
// The one convention for expected failures (docs/architecture.md, "Errors"):
// a function that can fail for a reason the caller must handle (a refusal, a
// bad file, a peer that misbehaved) returns result<T>: the value, or a
// problem that says why in words fit for the log or the user. Exceptions are
// for bugs and for start-up (a daemon that cannot begin exits with the
// message); error_code stays where Asio hands one over.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace outcome {

// Why something did not happen, in one sentence.
struct problem {
  std::string text;
};

inline problem fail(std::string text) { return problem{std::move(text)}; }

// E, the problem's type, is `problem` unless the caller must tell problems
// apart by more than their words: then a struct with a `text` member and
// what else it needs (route::limit_refusal names the limit that refused).
template <class T, class E = problem>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  result(E p) : v_(std::in_place_index<1>, std::move(p)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Only when !ok().
  const std::string& why() const { return std::get<1>(v_).text; }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// Success with no value, or a problem.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(E p) : problem_(std::move(p)) {}

  bool ok() const { return !problem_; }
  explicit operator bool() const { return ok(); }
  // Only when !ok().
  const std::string& why() const { return problem_->text; }
  const E& error() const { return *problem_; }

 private:
  std::optional<E> problem_;
};

using status = result<void>;

}  // namespace outcome
