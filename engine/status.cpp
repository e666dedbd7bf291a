#include "gongkai/status.h"

namespace gongkai {
namespace {

struct ErrorInfo {
  Errc code;
  std::string_view id;
  int exit_code;
  std::string_view summary;
};

// clang-format off
constexpr ErrorInfo kErrors[] = {
  {Errc::ok, "ok", 0, "success"},
#define GONGKAI_ERROR_INFO(name, exit, summary) {Errc::name, #name, exit, summary},
  GONGKAI_ERRORS(GONGKAI_ERROR_INFO)
#undef GONGKAI_ERROR_INFO
};
// clang-format on

const ErrorInfo& info(Errc code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  return i < std::size(kErrors) ? kErrors[i] : kErrors[static_cast<std::size_t>(Errc::internal)];
}

}  // namespace

std::string_view error_id(Errc code) noexcept {
  return info(code).id;
}

int exit_code(Errc code) noexcept {
  return info(code).exit_code;
}

std::string_view error_summary(Errc code) noexcept {
  return info(code).summary;
}

std::optional<Errc> errc_from_id(std::string_view id) noexcept {
  for (const auto& e : kErrors) {
    if (e.id == id) return e.code;
  }
  return std::nullopt;
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return "error[" + std::string(id()) + "]: " + message_;
}

}  // namespace gongkai
