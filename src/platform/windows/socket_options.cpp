#include "platform/socket_options.hpp"

#include <winsock2.h>
#include <mstcpip.h>

namespace platform {

// The Windows 10 TCP_KEEPIDLE-style options are refused by Wine and older
// systems; SIO_KEEPALIVE_VALS works everywhere (the probe count is the
// system's, 10 since Vista).
void set_keepalive(socket_handle s, int idle_s, int interval_s, int) {
  tcp_keepalive vals{};
  vals.onoff = 1;
  vals.keepalivetime = static_cast<ULONG>(idle_s) * 1000;
  vals.keepaliveinterval = static_cast<ULONG>(interval_s) * 1000;
  DWORD returned = 0;
  ::WSAIoctl(static_cast<SOCKET>(s), SIO_KEEPALIVE_VALS, &vals, sizeof vals, nullptr, 0, &returned, nullptr,
             nullptr);
}

// WSAPoll with a zero timeout: readable means bytes, end of stream or an
// error, none of which an idle link may have.
bool nothing_to_read(socket_handle s) {
  WSAPOLLFD p{};
  p.fd = static_cast<SOCKET>(s);
  p.events = POLLRDNORM;
  return ::WSAPoll(&p, 1, 0) == 0;
}

void set_receive_low_water(socket_handle, std::size_t) {}

bool peer_hung_up(socket_handle s) {
  char b;
  u_long queued = 0;
  if (::ioctlsocket(static_cast<SOCKET>(s), FIONREAD, &queued) != 0) return true;
  if (queued > 0) return false;
  WSAPOLLFD p{};
  p.fd = static_cast<SOCKET>(s);
  p.events = POLLRDNORM;
  if (::WSAPoll(&p, 1, 0) != 1) return false;
  // Readable with nothing queued: the end of stream, or an error.
  return ::recv(static_cast<SOCKET>(s), &b, 1, MSG_PEEK) <= 0;
}

}  // namespace platform
