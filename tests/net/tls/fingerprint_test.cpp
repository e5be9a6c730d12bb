// Key fingerprints: a missing key or certificate is a problem, never an
// empty fingerprint (an empty one would equal the empty "nothing
// remembered" of a vnet's known_routes and pass as trusted).
#include <memory>
#include <regex>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "net/tls/tls.hpp"

namespace {

TEST(Fingerprint, OfAKeyIsSha256InUnpaddedBase64) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
                                                           &EVP_PKEY_free);
  ASSERT_TRUE(key);
  auto fp = net::tls::key_fingerprint(key.get());
  ASSERT_TRUE(fp) << fp.why();
  EXPECT_TRUE(std::regex_match(*fp, std::regex("SHA256:[A-Za-z0-9+/]{43}"))) << *fp;
  auto again = net::tls::key_fingerprint(key.get());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *fp);
}

TEST(Fingerprint, NoKeyNoCertificateNoPeerIsAProblem) {
  auto no_key = net::tls::key_fingerprint(nullptr);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.why(), "no key");
  auto no_cert = net::tls::cert_fingerprint(nullptr);
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.why(), "no certificate");
  // A session that has not shaken hands has no peer certificate.
  auto ctx = net::tls::make_tls_context(net::tls::ssl::context::tls_client);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.native_handle()), &SSL_free);
  ASSERT_TRUE(ssl);
  auto no_peer = net::tls::peer_fingerprint(ssl.get());
  ASSERT_FALSE(no_peer);
  EXPECT_EQ(no_peer.why(), "no certificate");
}

}  // namespace
