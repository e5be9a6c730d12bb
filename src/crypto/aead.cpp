#include "crypto/aead.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <openssl/evp.h>

#include "platform/thread_exit.hpp"

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace crypto {
namespace {

bool cpu_has_aes() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__)
  unsigned long caps = getauxval(AT_HWCAP);
  return (caps & HWCAP_AES) && (caps & HWCAP_PMULL);
#else
  return false;
#endif
}

bool forced_off() {
  const char* v = std::getenv("VNET_TEST_NO_AES");
  return v && *v && std::strcmp(v, "0") != 0;
}

// Two contexts per suite and thread, set up once with the cipher and keyed
// per record (a key schedule costs well under a microsecond; a record of
// 16 KiB takes several).
struct contexts {
  EVP_CIPHER_CTX* enc[2]{};
  EVP_CIPHER_CTX* dec[2]{};
  contexts() {
    const EVP_CIPHER* ciphers[2] = {EVP_chacha20_poly1305(), EVP_aes_256_gcm()};
    for (int i = 0; i < 2; ++i) {
      enc[i] = EVP_CIPHER_CTX_new();
      dec[i] = EVP_CIPHER_CTX_new();
      if (!enc[i] || !dec[i] || !ciphers[i] ||
          EVP_EncryptInit_ex(enc[i], ciphers[i], nullptr, nullptr, nullptr) != 1 ||
          EVP_DecryptInit_ex(dec[i], ciphers[i], nullptr, nullptr, nullptr) != 1)
        throw std::runtime_error("OpenSSL lacks ChaCha20-Poly1305 or AES-256-GCM");
    }
  }
  ~contexts() {
    for (int i = 0; i < 2; ++i) {
      EVP_CIPHER_CTX_free(enc[i]);
      EVP_CIPHER_CTX_free(dec[i]);
    }
  }
  // This thread's, freed when it ends (platform/thread_exit.hpp: not a
  // thread_local object with a destructor).
  static contexts& mine() { return platform::thread_owned<contexts>(); }
};

int index_of(suite s) { return s == suite::aes256_gcm ? 1 : 0; }

}  // namespace

suites local_suites() {
  static const suites mine = static_cast<suites>(suite::chacha20_poly1305) |
                             (cpu_has_aes() ? static_cast<suites>(suite::aes256_gcm) : 0);
  return forced_off() ? static_cast<suites>(suite::chacha20_poly1305) : mine;
}

suite choose_suite(suites offer, suites local) {
  auto aes = static_cast<suites>(suite::aes256_gcm);
  return (offer & aes) && (local & aes) ? suite::aes256_gcm : suite::chacha20_poly1305;
}

const char* suite_name(suite s) {
  return s == suite::aes256_gcm ? "AES-256-GCM" : "ChaCha20-Poly1305";
}

bool aead_seal(suite s, const key32& key, const nonce12& nonce, std::uint8_t* data, std::size_t n,
               std::uint8_t* tag) {
  EVP_CIPHER_CTX* c = contexts::mine().enc[index_of(s)];
  int len = 0;
  return EVP_EncryptInit_ex(c, nullptr, nullptr, key.data(), nonce.data()) == 1 &&
         EVP_EncryptUpdate(c, data, &len, data, static_cast<int>(n)) == 1 &&
         EVP_EncryptFinal_ex(c, data + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(aead_tag), tag) == 1;
}

bool aead_open(suite s, const key32& key, const nonce12& nonce, std::uint8_t* data, std::size_t n,
               const std::uint8_t* tag) {
  EVP_CIPHER_CTX* c = contexts::mine().dec[index_of(s)];
  int len = 0;
  return EVP_DecryptInit_ex(c, nullptr, nullptr, key.data(), nonce.data()) == 1 &&
         EVP_DecryptUpdate(c, data, &len, data, static_cast<int>(n)) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag),
                             const_cast<std::uint8_t*>(tag)) == 1 &&
         EVP_DecryptFinal_ex(c, data + len, &len) == 1;
}

}  // namespace crypto
