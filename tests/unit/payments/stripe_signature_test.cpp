// Stripe-Signature checks: HMAC-SHA256 over "t.body", any of several v1 accepted, 300 s either
// way, everything else refused.
#include "payments/stripe_signature.hpp"

#include <gtest/gtest.h>

namespace shop::payments {
namespace {

constexpr std::string_view kSecret = "whsec_test_secret";
constexpr std::string_view kBody = R"({"id":"evt_1"})";
constexpr std::int64_t kT = 1'700'000'000;
// Python: hmac.new(b'whsec_test_secret', b'1700000000.{"id":"evt_1"}', hashlib.sha256).hexdigest()
constexpr std::string_view kMac =
    "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a";

std::string header(std::string_view rest) {
  return "t=1700000000," + std::string(rest);
}

TEST(StripeSignature, MatchesAnHmacComputedElsewhere) {
  EXPECT_EQ(stripe_signature(kSecret, kT, kBody), "t=1700000000,v1=" + std::string(kMac));
  EXPECT_EQ(check_stripe_signature(header("v1=" + std::string(kMac)), kBody, kSecret, kT),
            SignatureCheck::ok);
}

TEST(StripeSignature, AnyOfSeveralV1_AndOtherSchemesIgnored) {
  std::string wrong(64, 'a');
  EXPECT_EQ(
      check_stripe_signature(header("v0=" + wrong + ",v1=" + wrong + ", v1=" + std::string(kMac)),
                             kBody, kSecret, kT),
      SignatureCheck::ok);
  // A signature made with the old secret alongside the new one (secret rotation).
  EXPECT_EQ(
      check_stripe_signature(stripe_signature("whsec_old", kT, kBody) + ",v1=" + std::string(kMac),
                             kBody, kSecret, kT + 10),
      SignatureCheck::ok);
}

TEST(StripeSignature, ForgedBodyOrSecretOrMac_IsRefused) {
  std::string good = header("v1=" + std::string(kMac));
  EXPECT_EQ(check_stripe_signature(good, R"({"id":"evt_2"})", kSecret, kT), SignatureCheck::forged);
  EXPECT_EQ(check_stripe_signature(good, kBody, "whsec_other", kT), SignatureCheck::forged);
  std::string flipped(kMac);
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  EXPECT_EQ(check_stripe_signature(header("v1=" + flipped), kBody, kSecret, kT),
            SignatureCheck::forged);
  EXPECT_EQ(
      check_stripe_signature(header("v1=" + std::string(kMac.substr(0, 62))), kBody, kSecret, kT),
      SignatureCheck::forged);
  EXPECT_EQ(
      check_stripe_signature(header("v1=zz" + std::string(kMac.substr(2))), kBody, kSecret, kT),
      SignatureCheck::forged);
  // The timestamp is signed too: another t with the same v1 does not hold.
  EXPECT_EQ(check_stripe_signature("t=1700000001,v1=" + std::string(kMac), kBody, kSecret, kT),
            SignatureCheck::forged);
}

TEST(StripeSignature, OlderOrNewerThanTheTolerance_IsStale) {
  std::string good = header("v1=" + std::string(kMac));
  EXPECT_EQ(check_stripe_signature(good, kBody, kSecret, kT + 300), SignatureCheck::ok);
  EXPECT_EQ(check_stripe_signature(good, kBody, kSecret, kT + 301), SignatureCheck::stale);
  EXPECT_EQ(check_stripe_signature(good, kBody, kSecret, kT - 301), SignatureCheck::stale);
}

TEST(StripeSignature, MissingPartsOrSecret_AreMissing) {
  EXPECT_EQ(check_stripe_signature("", kBody, kSecret, kT), SignatureCheck::missing);
  EXPECT_EQ(check_stripe_signature("v1=" + std::string(kMac), kBody, kSecret, kT),
            SignatureCheck::missing);
  EXPECT_EQ(check_stripe_signature("t=1700000000", kBody, kSecret, kT), SignatureCheck::missing);
  EXPECT_EQ(check_stripe_signature("t=17x,v1=" + std::string(kMac), kBody, kSecret, kT),
            SignatureCheck::missing);
  EXPECT_EQ(check_stripe_signature(header("v1=" + std::string(kMac)), kBody, "", kT),
            SignatureCheck::missing);
}

}  // namespace
}  // namespace shop::payments
