#include "route/front/tls_identity.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto/random.hpp"
#include "files/state_directory.hpp"
#include "platform/files.hpp"
#include "platform/user_paths.hpp"

namespace route {
namespace {

namespace fs = std::filesystem;

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct x509_free {
  void operator()(X509* c) const { X509_free(c); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// Start-up: a key with no fingerprint cannot be pinned by anyone.
std::string fingerprint_of(EVP_PKEY* key) {
  auto fp = net::tls::key_fingerprint(key);
  if (!fp) fail("cannot compute the route key's fingerprint: " + fp.why());
  return *fp;
}

// Relative to the folder of the route's file, like every path in it.
std::string beside(const config::route_config& cfg, const std::string& name) {
  fs::path p(name);
  if (p.is_absolute()) return name;
  return (fs::path(cfg.path).parent_path() / p).string();
}

// Where the generated key lives: the service's state directory under
// systemd (the packaged unit's /etc is read-only), the user's owner-only
// %LOCALAPPDATA%\vnet on Windows, else beside the file.
std::string generated_key_path(const config::route_config& cfg) {
  if (const auto state = files::state_directory()) return (fs::path(*state) / generated_key_name).string();
  if (const auto own = platform::private_state_folder()) {
    platform::create_private_folder(*own);  // else the key's write says why
    return (fs::path(*own) / generated_key_name).string();
  }
  return beside(cfg, generated_key_name);
}

pkey_ptr read_key(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) fail(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail(fmt::format("{}: not a PEM private key ({})", path, net::tls::openssl_error()));
  return key;
}

// Written with O_EXCL: two routes started at once never overwrite each
// other's key (the loser reads the winner's).
pkey_ptr create_key(const std::string& path) {
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) fail("cannot generate the route's TLS key: " + net::tls::openssl_error());
  std::unique_ptr<BIO, decltype(&BIO_free)> mem(BIO_new(BIO_s_mem()), &BIO_free);
  if (!mem || PEM_write_bio_PrivateKey(mem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot encode the route's TLS key: " + net::tls::openssl_error());
  char* data = nullptr;
  long len = BIO_get_mem_data(mem.get(), &data);
  if (len <= 0) fail("cannot encode the route's TLS key: " + net::tls::openssl_error());
  const auto ec = platform::write_file_synced(path, std::string_view(data, static_cast<std::size_t>(len)), 0600,
                                              /*exclusive=*/true);
  if (ec == std::errc::file_exists) return read_key(path);
  if (ec) {
    std::error_code absent;
    if (!fs::exists(path, absent))
      fail(fmt::format("{}: cannot create the route's TLS key: {}", path, ec.message()));
    fs::remove(path, absent);
    fail(fmt::format("{}: cannot write the route's TLS key: {}", path, ec.message()));
  }
  return key;
}

// Self-signed, made at each start: only its key matters to a vnet (pinned
// or remembered by fingerprint), never its name or dates.
x509_ptr self_signed(EVP_PKEY* key) {
  x509_ptr cert(X509_new());
  const std::uint64_t serial = crypto::random_u64();
  bool ok = cert && X509_set_version(cert.get(), X509_VERSION_3) &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial >> 1) &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600) &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), 20L * 365 * 24 * 3600) &&
            X509_set_pubkey(cert.get(), key);
  X509_NAME* name = ok ? X509_get_subject_name(cert.get()) : nullptr;
  ok = ok && name &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("vnet route"), -1, -1, 0) &&
       X509_set_issuer_name(cert.get(), name) &&
       // Ed25519 signs without a separate digest; other key types use SHA-256.
       X509_sign(cert.get(), key, EVP_PKEY_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256()) > 0;
  if (!ok) fail("cannot make the route's certificate: " + net::tls::openssl_error());
  return cert;
}

}  // namespace

tls_identity load_tls_identity(const config::route_config& cfg) {
  tls_identity id;
  id.context = std::make_shared<net::tls::ssl::context>(net::tls::make_tls_context(net::tls::ssl::context::tls_server));
  SSL_CTX* ctx = id.context->native_handle();
  if (!cfg.tls_cert.empty()) {
    const std::string cert = beside(cfg, cfg.tls_cert), key = beside(cfg, cfg.tls_key);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
      fail(fmt::format("[route] tls_cert {}: cannot use it ({})", cert, net::tls::openssl_error()));
    auto k = read_key(key);
    if (SSL_CTX_use_PrivateKey(ctx, k.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
      fail(fmt::format("[route] tls_key {}: not the key of the certificate {} ({})", key, cert,
                       net::tls::openssl_error()));
    id.fingerprint = fingerprint_of(k.get());
    id.source = fmt::format("certificate {}, key {}", cert, key);
    return id;
  }
  pkey_ptr key;
  if (cfg.path.empty()) {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    id.source = "a key in memory";
  } else {
    const std::string path = generated_key_path(cfg);
    if (fs::exists(path)) {
      key = read_key(path);
      id.source = "key " + path;
    } else {
      key = create_key(path);
      id.source = "key " + path + " (generated now)";
    }
  }
  if (!key) fail("cannot generate the route's TLS key: " + net::tls::openssl_error());
  auto cert = self_signed(key.get());
  if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    fail("cannot use the route's key: " + net::tls::openssl_error());
  id.fingerprint = fingerprint_of(key.get());
  return id;
}

}  // namespace route
