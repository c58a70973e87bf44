#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shop::payments {

enum class SignatureCheck : std::uint8_t {
  ok,
  missing,  // no Stripe-Signature header, or no t= or no v1= in it
  stale,    // t= further than the tolerance from now (either way)
  forged,   // no v1= matches the body
};

// Checks a Stripe-Signature header ("t=1700000000,v1=<hex>,v1=<hex>,v0=...") against the raw
// request body: some v1 must be the hex HMAC-SHA256 of "<t>.<body>" under `secret` (compared in
// constant time), and t within `tolerance_s` seconds of `now_s`. Other schemes (v0) are ignored.
SignatureCheck check_stripe_signature(std::string_view header, std::string_view body,
                                      std::string_view secret, std::int64_t now_s,
                                      std::int64_t tolerance_s = 300);

// "t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>">": what Stripe sends (and the tests' fake provider).
std::string stripe_signature(std::string_view secret, std::int64_t t, std::string_view body);

}  // namespace shop::payments
