#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine/sha256.h"
#include "gongkai/event.h"

namespace gongkai {

std::string sha256_hex(std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

std::string canonical_encoding(const Event& e) {
  // A JSON array keeps the field order fixed and escapes every string the same way.
  const nlohmann::json fields = nlohmann::json::array(
      {"gongkai.event.v1", e.seq, e.item_id, e.item_seq, e.type, e.actor, e.role, e.reason,
       e.command_id, format_utc(e.at), e.payload, e.definition_version, e.calendar_version,
       e.item_prev_hash, e.prev_hash});
  // Invalid UTF-8 cannot reach here through the engine; replace rather than throw if it does.
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string event_hash(const Event& event) { return sha256_hex(canonical_encoding(event)); }

}  // namespace gongkai
