#include "engine/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace gongkai {
namespace {

// Fetching the algorithm is the expensive part of an OpenSSL 3 digest: do it once per process.
const EVP_MD* sha256_algorithm() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
      EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_MD_free);
  if (!md) throw std::runtime_error("OpenSSL has no SHA-256");
  return md.get();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  // One context per thread, reset by each EVP_DigestInit_ex2.
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                                 EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(length) * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace gongkai
