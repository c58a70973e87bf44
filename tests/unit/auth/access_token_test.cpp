#include "auth/access_token.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/error.hpp"
#include "fake_clock.hpp"

namespace shop::auth {
namespace {

using namespace std::chrono_literals;

using test::FakeClock;

const std::string kSecret(32, 's');

class AccessTokenTest : public ::testing::Test {
 protected:
  // A token with any header and payload, signed with `secret`.
  std::string forge(const boost::json::object& header, const boost::json::object& payload,
                    const std::string& secret = kSecret) {
    std::string input = base64url_encode(boost::json::serialize(header)) + "." +
                        base64url_encode(boost::json::serialize(payload));
    return input + "." + hmac_sha256(input, secret);
  }

  // sign() is private: tests sign by hand with the same HMAC-SHA256.
  static std::string hmac_sha256(const std::string& input, const std::string& secret) {
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                                secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                  input.size());
    crypto_auth_hmacsha256_final(&st, mac);
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
  }

  boost::json::object payload(std::int64_t exp_offset = 900) {
    std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    return {{"id", "u1"}, {"sub", "u1"}, {"iat", now}, {"exp", now + exp_offset}};
  }

  void expect_rejected(const std::string& token) {
    try {
      tokens_.verify(token);
      ADD_FAILURE() << "accepted " << token;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::unauthenticated);
    }
  }

  FakeClock clock_;
  AccessTokens tokens_{kSecret, 900s, clock_};
};

const boost::json::object kHs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

TEST_F(AccessTokenTest, IssuedTokenVerifiesWithItsClaims) {
  auto token = tokens_.issue("user-42", "family-7");
  auto claims = tokens_.verify(token);
  EXPECT_EQ(claims.user_id, "user-42");
  EXPECT_EQ(claims.session_id, "family-7");
  EXPECT_EQ(claims.expires_at - claims.issued_at, 900);
}

TEST_F(AccessTokenTest, HandForgedTokenWithTheRightKeyVerifies) {
  // Proves the forging helper below signs like the real thing, so rejections are meaningful.
  EXPECT_EQ(tokens_.verify(forge(kHs256, payload())).user_id, "u1");
}

TEST_F(AccessTokenTest, ChangedPayloadIsRejected) {
  auto token = tokens_.issue("u1");
  auto first = token.find('.'), second = token.rfind('.');
  boost::json::object p = payload();
  p["id"] = "admin";
  p["sub"] = "admin";
  expect_rejected(token.substr(0, first + 1) + base64url_encode(boost::json::serialize(p)) +
                  token.substr(second));
}

TEST_F(AccessTokenTest, ChangedSignatureIsRejected) {
  auto token = tokens_.issue("u1");
  token.back() = token.back() == 'A' ? 'B' : 'A';
  expect_rejected(token);
  expect_rejected(token.substr(0, token.rfind('.') + 1));  // empty signature
}

TEST_F(AccessTokenTest, OtherKeyIsRejected) {
  expect_rejected(forge(kHs256, payload(), std::string(32, 'x')));
}

TEST_F(AccessTokenTest, AlgNoneIsRejected) {
  boost::json::object none = {{"alg", "none"}, {"typ", "JWT"}};
  std::string input = base64url_encode(boost::json::serialize(none)) + "." +
                      base64url_encode(boost::json::serialize(payload()));
  expect_rejected(input + ".");
  expect_rejected(input);
  expect_rejected(forge(none, payload()));  // even with a valid HMAC
}

TEST_F(AccessTokenTest, OtherAlgorithmsAreRejected) {
  for (const char* alg : {"HS512", "RS256", "ES256", "hs256", ""})
    expect_rejected(forge({{"alg", alg}, {"typ", "JWT"}}, payload()));
  expect_rejected(forge({{"typ", "JWT"}}, payload()));
  expect_rejected(forge({{"alg", "HS256"}, {"crit", boost::json::array{"exp"}}}, payload()));
}

TEST_F(AccessTokenTest, ExpiryHasSixtySecondsOfLeeway) {
  auto token = tokens_.issue("u1");
  clock_.advance(900s + 60s);
  EXPECT_EQ(tokens_.verify(token).user_id, "u1");
  clock_.advance(1s);
  try {
    tokens_.verify(token);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unauthenticated);
    EXPECT_EQ(e.public_message(), "Not authorized, token expired");
  }
}

TEST_F(AccessTokenTest, MissingOrMalformedExpIsRejected) {
  auto p = payload();
  p.erase("exp");
  expect_rejected(forge(kHs256, p));
  p["exp"] = "tomorrow";
  expect_rejected(forge(kHs256, p));
  p["exp"] = 1.5e9;
  expect_rejected(forge(kHs256, p));
}

TEST_F(AccessTokenTest, NotBeforeInTheFutureIsRejected) {
  auto p = payload();
  std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  p["nbf"] = now + 120;
  expect_rejected(forge(kHs256, p));
  p["nbf"] = now + 30;  // within the leeway
  EXPECT_EQ(tokens_.verify(forge(kHs256, p)).user_id, "u1");
}

TEST_F(AccessTokenTest, IdentityClaimsMustBeRight) {
  auto p = payload();
  p["sub"] = "someone-else";
  expect_rejected(forge(kHs256, p));
  p.erase("sub");
  EXPECT_EQ(tokens_.verify(forge(kHs256, p)).user_id, "u1");  // id alone, as the reference
  p.erase("id");
  expect_rejected(forge(kHs256, p));
  p["id"] = 42;
  expect_rejected(forge(kHs256, p));
}

TEST_F(AccessTokenTest, MalformedTokensAreRejectedNotCrashed) {
  auto good = tokens_.issue("u1");
  for (const std::string& bad :
       {std::string(), std::string("abc"), std::string("a.b"), std::string("a.b.c.d"),
        std::string(".."), good + ".", "=" + good,
        good.substr(0, good.find('.')) + "=." + good.substr(good.find('.') + 1),
        std::string("e30.e30.e30"), std::string(5000, 'a'), std::string("!!!.@@@.###"),
        "W10." + good.substr(good.find('.') + 1)})
    expect_rejected(bad);
}

TEST(Base64Url, RoundTripsAndIsStrict) {
  std::string bytes = std::string("\x00\xff\xfe hello", 9);
  std::string out;
  ASSERT_TRUE(base64url_decode(base64url_encode(bytes), out));
  EXPECT_EQ(out, bytes);
  EXPECT_FALSE(base64url_decode("aGk=", out));  // padding
  EXPECT_FALSE(base64url_decode("a+b/", out));  // not url-safe
  EXPECT_FALSE(base64url_decode("aG k", out));  // whitespace
}

}  // namespace
}  // namespace shop::auth
