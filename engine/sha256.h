// Internal: SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <string>
#include <string_view>

namespace gongkai {

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace gongkai
