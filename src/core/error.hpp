#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop {

// What went wrong, independent of any transport; only http/ maps it to a status code.
enum class ErrorCode {
  invalid_input,       // malformed or invalid input
  unauthenticated,     // missing, invalid or expired credentials
  forbidden,           // authenticated but not allowed
  not_found,           // unknown route or document
  method_not_allowed,  // known path, other method
  conflict,            // conflicts with the current state
  payload_too_large,   // body over its limit
  unsupported_media,   // content type not accepted here
  rate_limited,        // too many requests
  unavailable,         // a dependency is down or overloaded
  not_implemented,     // an HTTP method shopd does not know
  headers_too_large,   // request line and headers over their limit
  uri_too_long,        // the request line alone over the header limit
};

struct FieldError {
  std::string field;
  std::string message;
};

// For rate_limited: the budget that ran out (RateLimit-Limit, -Remaining and -Reset).
struct RateLimitState {
  std::uint32_t limit = 0;
  std::uint32_t remaining = 0;
  std::chrono::seconds reset{0};  // until the window ends; also the Retry-After
};

// An error whose message is safe to show to the client. Anything else thrown is an internal error.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string public_message, std::vector<FieldError> fields = {})
      : std::runtime_error(public_message), code_(code), fields_(std::move(fields)) {}

  // For rate_limited and unavailable: when the client may try again.
  Error& with_retry_after(std::chrono::seconds s) {
    retry_after_ = s;
    return *this;
  }
  std::optional<std::chrono::seconds> retry_after() const noexcept { return retry_after_; }
  Error& with_rate_limit(RateLimitState state) {
    rate_limit_ = state;
    retry_after_ = state.reset;
    return *this;
  }
  const std::optional<RateLimitState>& rate_limit() const noexcept { return rate_limit_; }

  ErrorCode code() const noexcept { return code_; }
  std::string_view public_message() const noexcept { return what(); }
  const std::vector<FieldError>& fields() const noexcept { return fields_; }

 private:
  ErrorCode code_;
  std::vector<FieldError> fields_;
  std::optional<std::chrono::seconds> retry_after_;
  std::optional<RateLimitState> rate_limit_;
};

}  // namespace shop
