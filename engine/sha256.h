// Internal: SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace gongkai {

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// A SHA-256 fed in pieces: hex() of the pieces given to update() since construction (or since the
// last hex()) equals sha256_hex of their concatenation. Reusable: hex() starts a new digest. One
// object per thread. Throws std::runtime_error when OpenSSL fails (it has no SHA-256).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds `data` to the digest.
  void update(std::string_view data);

  // The lowercase hex digest of everything added; then starts afresh.
  std::string hex();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace gongkai
