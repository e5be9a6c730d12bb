#pragma once
// Connections that have not sent their opening frame yet, oldest first. They
// cost a descriptor and a little memory each and prove nothing, so they are
// the first to go when there are too many of them ([route] max_unidentified)
// or when descriptors run out: closing the oldest makes room for a newcomer,
// which a vnet identifies at once. Single-threaded, like net::socket_set.
#include <cstddef>
#include <list>
#include <optional>
#include <string>

#include "net/asio.hpp"

namespace route {

class unidentified {
  struct entry {
    net::tcp::socket* socket;
    std::string from;
    bool* listed;  // the guard's flag, cleared when shed
  };

 public:
  // Lists a socket from its accept until release() or the guard's end.
  class guard {
   public:
    guard(unidentified& set, net::tcp::socket& s, std::string from) : set_(set) {
      it_ = set_.list_.insert(set_.list_.end(), entry{&s, std::move(from), &listed_});
    }
    ~guard() { release(); }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    // The opening frame arrived (or the read ended): no longer a candidate.
    void release() {
      if (listed_) set_.list_.erase(it_);
      listed_ = false;
    }

   private:
    friend class unidentified;
    unidentified& set_;
    bool listed_ = true;  // false once released or shed
    std::list<entry>::iterator it_;
  };

  std::size_t size() const { return list_.size(); }

  // Closes the oldest listed connection (its read then ends with
  // operation_aborted) and returns its address; nullopt when none is left.
  std::optional<std::string> shed_oldest() {
    if (list_.empty()) return std::nullopt;
    auto e = std::move(list_.front());
    list_.pop_front();
    *e.listed = false;
    net::error_code ignored;
    e.socket->close(ignored);
    return std::move(e.from);
  }

 private:
  std::list<entry> list_;
};

}  // namespace route
