#include "platform/socket_options.hpp"

#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace platform {

void set_keepalive(socket_handle s, int idle_s, int interval_s, int count) {
  ::setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof idle_s);
  ::setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s, sizeof interval_s);
  ::setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

bool nothing_to_read(socket_handle s) {
  std::uint8_t b;
  const ssize_t n = ::recv(s, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void set_receive_low_water(socket_handle s, std::size_t bytes) {
  const int n = static_cast<int>(bytes);
  ::setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &n, sizeof n);
}

bool peer_hung_up(socket_handle s) {
  pollfd p{s, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

}  // namespace platform
