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

void start(EVP_MD_CTX* ctx) {
  if (!ctx || EVP_DigestInit_ex2(ctx, sha256_algorithm(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  try {
    start(ctx_);
  } catch (...) {
    EVP_MD_CTX_free(ctx_);
    throw;
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
    start(ctx_);  // the next digest starts clean
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) {
    start(ctx_);
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  start(ctx_);
  static const char kHex[] = "0123456789abcdef";
  std::string hex(static_cast<std::size_t>(length) * 2, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string sha256_hex(std::string_view data) {
  // One context per thread, reused.
  thread_local Sha256 sha;
  sha.update(data);
  return sha.hex();
}

}  // namespace gongkai
