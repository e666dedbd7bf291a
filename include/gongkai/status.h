// gongkai — outcomes of every public call: Status (success or a stable error) and Result<T>.
//
// Every error has a stable id (e.g. "illegal_transition") that never changes meaning, a process
// exit code used by the CLI, and a human message. The full list lives in GONGKAI_ERRORS below and
// is documented in docs/errors.md. No exception crosses the public API: adapters and the engine
// catch third-party exceptions and turn them into a Status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gongkai {

// X(name, exit_code, summary) — the one list of error ids. Exit codes: 1 internal or storage,
// 2 usage or invalid input, 3 refused (illegal transition, guard), 4 not found, 5 version conflict,
// 6 verification failed.
// clang-format off
#define GONGKAI_ERRORS(X)                                                                           \
  X(internal,                 1, "an unexpected internal failure")                                 \
  X(storage_error,            1, "the database failed")                                            \
  X(storage_full,             1, "the disk or database is full")                                   \
  X(storage_read_only,        1, "the database cannot be written")                                 \
  X(storage_corrupt,          1, "the database file is damaged")                                   \
  X(storage_busy,             1, "the database stayed locked by another process")                  \
  X(not_a_gongkai_database,   1, "the file is not a gongkai database")                             \
  X(schema_too_new,           1, "the database was written by a newer gongkai")                    \
  X(not_ready,                1, "the service is starting or shutting down")                       \
  X(database_missing,         2, "no database at that path; run `gongkai init`")                   \
  X(usage,                    2, "the command line is not valid")                                  \
  X(invalid_argument,         2, "an argument has a wrong value")                                  \
  X(invalid_time,             2, "a time is not RFC 3339 (or YYYY-MM-DD), or not allowed there")   \
  X(text_too_long,            2, "a text of the command exceeds its length limit")                 \
  X(invalid_json,             2, "a JSON document is malformed")                                   \
  X(report_format_unknown,    2, "the report format is not text, json or html")                    \
  X(invalid_request,          2, "the HTTP request is malformed")                                  \
  X(payload_too_large,        2, "the request body or headers exceed the limit")                   \
  X(unsupported_media_type,   2, "the request body is not application/json")                       \
  X(method_not_allowed,       2, "the route does not accept that HTTP method")                     \
  X(user_exists,              2, "a user with that name already exists")                           \
  X(simulation_only,          2, "the option is accepted only on a simulation database")           \
  X(site_not_replaceable,     2, "the website folder is not one a simulation wrote")               \
  X(idempotency_key_reused,   2, "a command id was reused for a different command")                \
  X(clock_went_backwards,     2, "the command's instant is before the item's last event")          \
  X(definition_io_error,      2, "a definition file cannot be read")                               \
  X(definition_parse_error,   2, "a definition file is not valid JSON")                            \
  X(definition_missing_field, 2, "a definition lacks a required field")                            \
  X(definition_wrong_type,    2, "a definition field has the wrong JSON type")                     \
  X(definition_invalid_value, 2, "a definition field has a value outside its domain")              \
  X(definition_unknown_field, 2, "a definition has a field gongkai does not know")                 \
  X(definition_duplicate_id,  2, "two definitions share an id")                                    \
  X(definition_unknown_reference, 2, "a definition refers to an id that is not defined")           \
  X(channel_config_invalid,   2, "the channel configuration is not valid")                         \
  X(channel_secret_missing,   2, "a webhook secret's environment variable is not set")             \
  X(illegal_transition,       3, "the item's stage does not accept the event")                     \
  X(unauthenticated,          3, "no valid bearer token (missing, unknown or revoked)")            \
  X(forbidden,                3, "the actor's roles or units do not allow it")                     \
  X(four_eyes_violation,      3, "the approver is the actor who submitted")                        \
  X(reason_required,          3, "the event requires a reason")                                    \
  X(material_required,        3, "the event requires attached text")                               \
  X(confidentiality_findings, 3, "a text to publish holds personal data; override with a reason")    \
  X(concerns_open,            3, "public concerns are still unanswered")                           \
  X(response_window_open,     3, "the response window has not ended yet")                          \
  X(publish_not_due,          3, "the release is scheduled for later")                             \
  X(notice_period_running,    3, "the release's minimum notice period is not served yet")         \
  X(concern_not_open,         3, "the concern is already answered")                                \
  X(deadline_not_open,        3, "the deadline is not running (or not paused, to resume)")         \
  X(extension_not_allowed,    3, "the standard does not allow that extension")                     \
  X(item_not_found,           4, "no item with that id")                                           \
  X(route_not_found,          4, "no API route with that path")                                    \
  X(user_not_found,           4, "no user with that name")                                         \
  X(token_not_found,          4, "no such token")                                                  \
  X(standard_not_found,       4, "no item standard with that id")                                  \
  X(unit_not_found,           4, "no pilot unit with that id")                                     \
  X(province_not_found,       4, "no pilot province with that id")                                 \
  X(concern_not_found,        4, "no concern with that number")                                    \
  X(deadline_not_found,       4, "the item has no deadline with that id")                          \
  X(calendar_not_found,       4, "no calendar (or calendar version) with that id")                 \
  X(version_conflict,         5, "the item changed since the expected version")                    \
  X(audit_hash_mismatch,      6, "an event's stored hash does not match its content")              \
  X(audit_chain_broken,       6, "an event does not chain to its predecessor")                     \
  X(audit_sequence_gap,       6, "events are missing or out of order")                             \
  X(audit_replay_mismatch,    6, "replaying the history does not give the stored state")           \
  X(audit_head_mismatch,      6, "the history does not end where the database says it does")
// clang-format on

// The error ids as an enum; `ok` is success.
enum class Errc : std::uint8_t {
  ok = 0,
#define GONGKAI_ERRC_ENUM(name, exit_code, summary) name,
  GONGKAI_ERRORS(GONGKAI_ERRC_ENUM)
#undef GONGKAI_ERRC_ENUM
};

// The stable id of `code`, e.g. "illegal_transition"; "ok" for success. Never changes across
// versions.
std::string_view error_id(Errc code) noexcept;

// The CLI exit code for `code` (0 for ok; see GONGKAI_ERRORS).
int exit_code(Errc code) noexcept;

// A one-line summary of what `code` means, for documentation and `gongkai errors`.
std::string_view error_summary(Errc code) noexcept;

// Parses a stable id back into its code. Returns std::nullopt for an unknown id.
std::optional<Errc> errc_from_id(std::string_view id) noexcept;

// Success, or an error with its code, a message for people and optional machine details (a JSON
// document as text, e.g. the confidentiality findings). Cheap to copy when ok. Not thread-safe to
// mutate; safe to share read-only.
class Status {
 public:
  // Success.
  Status() = default;
  // An error. `code` must not be Errc::ok.
  Status(Errc code, std::string message, std::string details_json = {})
      : code_(code), message_(std::move(message)), details_json_(std::move(details_json)) {}

  // Success.
  static Status Ok() { return Status(); }

  // True on success.
  bool ok() const noexcept { return code_ == Errc::ok; }
  // The error code (Errc::ok on success).
  Errc code() const noexcept { return code_; }
  // The stable id of code().
  std::string_view id() const noexcept { return error_id(code_); }
  // The human message (empty on success).
  const std::string& message() const noexcept { return message_; }
  // Machine-readable details as a JSON text, or empty.
  const std::string& details_json() const noexcept { return details_json_; }
  // The CLI exit code for this status.
  int exit_code() const noexcept { return gongkai::exit_code(code_); }
  // "error[<id>]: <message>", or "ok".
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
  std::string details_json_;
};

// Either a value of type T or an error Status. Accessing value() of an error is a programming error
// (asserted in debug builds, undefined otherwise); check ok() first.
template <typename T>
class Result {
 public:
  // A success holding `value`.
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // An error. `status` must not be ok.
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  // True when a value is held.
  bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  // The error (an ok Status when a value is held).
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  // The held value. Requires ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace gongkai
