// An emulated WAN hop for scripts/bench.py --wan-ms (netem is not in this
// kernel): relays each connection to a target port and delivers every byte,
// and the half-close (FIN), D ms after it read them, in both directions. A new
// connection's bytes are held one more round trip (2*D) on top, because a real
// TCP handshake costs that before the first byte can leave.
//
//   delay_relay D_MS TARGET_PORT   listens on 127.0.0.1 (port printed on
//                                  stdout), relays to 127.0.0.1:TARGET_PORT
//
// C++ rather than Python: one epoll thread with a deadline heap and
// nanosecond waits (epoll_pwait2, timer slack 1 ns) delivers within 0.1-0.2 ms
// of the due time on this shared 2-core VM (mostly the wake-up of an idle
// vCPU), also with thousands of connections; an asyncio relay adds its own
// 0.1-1 ms of interpreter and event-loop time under load, the order of what
// the bench wants to see. bench.py measures and prints the overhead per run.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using ns = std::int64_t;
constexpr std::size_t max_queued = 4 << 20;  // per direction: stop reading above it

ns now_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return ns{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

struct chunk {
  ns due;
  std::string data;  // empty: the FIN
};

struct direction {
  int from = -1, to = -1;
  std::deque<chunk> q;
  std::size_t sent_of_head = 0;  // bytes of q.front() already written
  std::size_t queued = 0;
  bool paused = false;    // not reading: too much queued
  bool read_eof = false;  // FIN read (queued as an empty chunk)
  bool fin_sent = false;
};

struct conn;
struct endpoint {  // epoll user data: which socket of which connection
  conn* c;
  int side;  // 0: the accepted socket, 1: the one to the target
};

struct conn {
  std::uint64_t id;
  ns t0;                  // accept time
  bool connected = false;  // the target's connect finished
  bool dead = false;
  int fd[2];
  endpoint ep[2];
  direction dir[2];  // 0: accepted -> target, 1: target -> accepted
};

struct due_entry {
  ns due;
  std::uint64_t id;
  int d;
  bool operator>(const due_entry& o) const { return due > o.due; }
};

class relay {
 public:
  relay(ns delay, int listener, int target) : delay_(delay), listener_(listener), target_(target) {
    ep_ = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, listener_, &ev);
  }

  [[noreturn]] void run() {
    std::vector<epoll_event> evs(256);
    for (;;) {
      timespec wait{};
      timespec* timeout = nullptr;
      if (!heap_.empty()) {
        ns left = std::max<ns>(0, heap_.top().due - now_ns());
        wait.tv_sec = left / 1'000'000'000;
        wait.tv_nsec = left % 1'000'000'000;
        timeout = &wait;
      }
      int n = ::epoll_pwait2(ep_, evs.data(), static_cast<int>(evs.size()), timeout, nullptr);
      for (int i = 0; i < n; ++i) {
        if (evs[i].data.ptr == nullptr) {
          accept_all();
          continue;
        }
        auto* e = static_cast<endpoint*>(evs[i].data.ptr);
        conn& c = *e->c;
        if (c.dead) continue;
        if (e->side == 1 && !c.connected && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
          int err = 0;
          socklen_t len = sizeof err;
          ::getsockopt(c.fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0) {
            kill(c);
            continue;
          }
          c.connected = true;
        }
        if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read(c, c.dir[e->side]);
        if (!c.dead && (evs[i].events & EPOLLOUT)) flush(c, c.dir[1 - e->side]);
      }
      for (ns t = now_ns(); !heap_.empty() && heap_.top().due <= t;) {
        auto top = heap_.top();
        heap_.pop();
        auto it = conns_.find(top.id);
        if (it != conns_.end() && !it->second->dead) flush(*it->second, it->second->dir[top.d]);
      }
      graveyard_.clear();  // no epoll event of this batch points at them any more
    }
  }

 private:
  void accept_all() {
    for (;;) {
      int in = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (in < 0) return;
      int out = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sockaddr_in t{};
      t.sin_family = AF_INET;
      t.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      t.sin_port = htons(static_cast<std::uint16_t>(target_));
      int one = 1;
      ::setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int rc = ::connect(out, reinterpret_cast<sockaddr*>(&t), sizeof t);
      if (rc != 0 && errno != EINPROGRESS) {
        ::close(in);
        ::close(out);
        continue;
      }
      auto c = std::make_unique<conn>();
      c->id = next_id_++;
      c->t0 = now_ns();
      c->connected = rc == 0;
      c->fd[0] = in;
      c->fd[1] = out;
      for (int s = 0; s < 2; ++s) {
        c->ep[s] = endpoint{c.get(), s};
        c->dir[s].from = c->fd[s];
        c->dir[s].to = c->fd[1 - s];
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = &c->ep[s];
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd[s], &ev);
      }
      conns_.emplace(c->id, std::move(c));
    }
  }

  // Reads what the socket has into the queue, each piece due D after now
  // (or after the emulated handshake, for a new connection's first bytes).
  void read(conn& c, direction& d) {
    int di = &d == &c.dir[0] ? 0 : 1;
    while (!d.read_eof && d.queued < max_queued) {
      ssize_t n = ::read(d.from, buf_, sizeof buf_);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n < 0) return kill(c);
      ns due = std::max(now_ns(), c.t0 + 2 * delay_) + delay_;
      if (d.q.empty()) heap_.push({due, c.id, di});
      if (n == 0) {
        d.read_eof = true;
        d.q.push_back({due, {}});
      } else {
        d.q.push_back({due, std::string(buf_, static_cast<std::size_t>(n))});
        d.queued += static_cast<std::size_t>(n);
      }
    }
    d.paused = !d.read_eof;
  }

  // Writes every piece that is due; waits for EPOLLOUT or the next due time.
  void flush(conn& c, direction& d) {
    if (!c.connected) return;
    ns t = now_ns();
    while (!d.q.empty() && d.q.front().due <= t) {
      chunk& head = d.q.front();
      if (head.data.empty()) {
        ::shutdown(d.to, SHUT_WR);
        d.fin_sent = true;
        d.q.pop_front();
        continue;
      }
      ssize_t w = ::write(d.to, head.data.data() + d.sent_of_head, head.data.size() - d.sent_of_head);
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (w < 0) return kill(c);
      d.sent_of_head += static_cast<std::size_t>(w);
      if (d.sent_of_head < head.data.size()) continue;
      d.queued -= head.data.size();
      d.sent_of_head = 0;
      d.q.pop_front();
    }
    int di = &d == &c.dir[0] ? 0 : 1;
    if (!d.q.empty()) heap_.push({d.q.front().due, c.id, di});
    if (d.paused && d.queued < max_queued) {
      d.paused = false;
      read(c, d);  // edge-triggered: the data waiting there raises no new event
    }
    if (!c.dead && c.dir[0].fin_sent && c.dir[1].fin_sent) kill(c);
  }

  void kill(conn& c) {
    if (c.dead) return;
    c.dead = true;
    ::close(c.fd[0]);
    ::close(c.fd[1]);
    auto it = conns_.find(c.id);
    graveyard_.push_back(std::move(it->second));
    conns_.erase(it);
  }

  ns delay_;
  int listener_, target_, ep_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<conn>> conns_;
  std::vector<std::unique_ptr<conn>> graveyard_;
  std::priority_queue<due_entry, std::vector<due_entry>, std::greater<>> heap_;
  char buf_[64 * 1024];
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: delay_relay DELAY_MS TARGET_PORT\n");
    return 2;
  }
  ns delay = static_cast<ns>(std::atof(argv[1]) * 1e6);
  int target = std::atoi(argv[2]);
  ::prctl(PR_SET_TIMERSLACK, 1UL);  // wake at the due time, not up to 50 us later
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a bench killed outright leaves no relay behind
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  int l = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(l, 4096) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("delay_relay");
    return 1;
  }
  std::printf("%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  static relay r(delay, l, target);  // static: the 64 KiB buffer stays off the stack
  r.run();
}
