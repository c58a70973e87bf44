#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace shop::auth {

// What a verified access token says.
struct AccessClaims {
  std::string user_id;
  std::string session_id;       // the login session (refresh-token family); may be empty
  std::int64_t issued_at = 0;   // seconds since the epoch
  std::int64_t expires_at = 0;  // seconds since the epoch
};

// Issues and verifies access tokens: JWTs signed with HS256, carrying `id` (as the reference
// did) and `sub`, `iat`, `exp`. Only HS256 is accepted; anything else about a token that is not
// exactly right is Error{unauthenticated}, never a crash.
class AccessTokens {
 public:
  static constexpr std::chrono::seconds kLeeway{60};
  static constexpr std::size_t kMaxTokenLength = 4096;

  AccessTokens(std::string secret, std::chrono::seconds ttl, const Clock& clock);

  // session_id names the login session the token belongs to (claim `sid`).
  std::string issue(std::string_view user_id, std::string_view session_id = {}) const;

  // Throws Error{unauthenticated} for a malformed, tampered, expired or not-yet-valid token.
  AccessClaims verify(std::string_view token) const;

 private:
  std::string sign(std::string_view signing_input) const;

  std::string secret_;
  std::chrono::seconds ttl_;
  const Clock& clock_;
};

// base64url without padding, as JWTs use.
std::string base64url_encode(std::string_view bytes);
// Strict decode: no padding, no whitespace, only the url-safe alphabet; false otherwise.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace shop::auth
