// The least a relay hop can cost on this machine: blocking sockets, one
// thread per direction, no framing, no event loop. scripts/bench.py chains
// three of these (like use-side vnet -> route -> serve-side vnet) to show
// how much of the tunnel's added latency the machine itself imposes.
//
//   floor_relay TARGET_PORT      listens on 127.0.0.1 (port printed on
//                                stdout) and relays each connection to
//                                127.0.0.1:TARGET_PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

int tcp_socket() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

void pump(int from, int to) {
  std::vector<char> buf(256 * 1024);
  for (;;) {
    auto n = ::read(from, buf.data(), buf.size());
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto w = ::write(to, buf.data() + off, static_cast<std::size_t>(n - off));
      if (w <= 0) return;
      off += w;
    }
  }
  ::shutdown(to, SHUT_WR);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: floor_relay TARGET_PORT\n");
    return 2;
  }
  int target = std::atoi(argv[1]);
  int l = tcp_socket();
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(l, 64) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("floor_relay");
    return 1;
  }
  std::printf("%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  for (;;) {
    int in = ::accept(l, nullptr, nullptr);
    if (in < 0) continue;
    int one = 1;
    ::setsockopt(in, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int out = tcp_socket();
    auto t = loopback(target);
    if (::connect(out, reinterpret_cast<sockaddr*>(&t), sizeof t) != 0) {
      ::close(in);
      ::close(out);
      continue;
    }
    std::thread([in, out] {
      std::thread up([in, out] { pump(in, out); });
      pump(out, in);
      up.join();
      ::close(in);
      ::close(out);
    }).detach();
  }
}
