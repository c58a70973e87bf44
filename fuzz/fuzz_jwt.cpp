// The access token verifier never crashes, and accepts nothing but the header and claims it
// signed. Inputs starting with "@TOKEN@" get a signed token in their place, so the fuzzer also
// works on variations of a valid one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/access_token.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"

namespace {

class FixedClock final : public shop::Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));
  }
  std::chrono::steady_clock::time_point steady_now() const override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FixedClock clock;
  static shop::auth::AccessTokens tokens(std::string(48, 's'), std::chrono::seconds(900), clock);
  static const std::string valid = tokens.issue("0123456789abcdef01234567", "session");
  static const std::string signed_part = valid.substr(0, valid.rfind('.') + 1);
  std::string input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with("@TOKEN@")) input = valid + input.substr(7);
  try {
    auto claims = tokens.verify(input);
    // Accepted: then it is the token it signed (the signature's own encoding aside).
    if (!input.starts_with(signed_part) || claims.user_id != "0123456789abcdef01234567")
      __builtin_trap();
  } catch (const shop::Error&) {
  }
  return 0;
}
