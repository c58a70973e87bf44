#include "auth/access_token.hpp"

#include <sodium.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "core/error.hpp"

namespace shop::auth {
namespace {

// The only header shopd writes; verification parses whatever arrives instead of comparing text.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

[[noreturn]] void reject(std::string_view why = "Not authorized, token failed") {
  throw Error(ErrorCode::unauthenticated, std::string(why));
}

std::int64_t seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A JSON object from one base64url part, or a rejection.
boost::json::object decode_part(std::string_view part) {
  std::string json;
  if (!base64url_decode(part, json)) reject();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) reject();
  return std::move(v.as_object());
}

// An integral NumericDate claim (JSON integer, or a double with no fraction).
bool numeric_date(const boost::json::object& o, std::string_view name, std::int64_t& out) {
  auto it = o.find(name);
  if (it == o.end()) return false;
  if (it->value().is_int64()) {
    out = it->value().as_int64();
    return true;
  }
  if (it->value().is_uint64() && it->value().as_uint64() <= INT64_MAX) {
    out = static_cast<std::int64_t>(it->value().as_uint64());
    return true;
  }
  reject();
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  out.assign(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return false;
  out.resize(length);
  return true;
}

AccessTokens::AccessTokens(std::string secret, std::chrono::seconds ttl, const Clock& clock)
    : secret_(std::move(secret)), ttl_(ttl), clock_(clock) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  if (secret_.empty()) throw std::invalid_argument("access token secret is empty");
}

std::string AccessTokens::sign(std::string_view signing_input) const {
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string AccessTokens::issue(std::string_view user_id, std::string_view session_id) const {
  std::int64_t now = seconds_since_epoch(clock_.now());
  boost::json::object payload;
  payload["id"] = user_id;
  payload["sub"] = user_id;
  if (!session_id.empty()) payload["sid"] = session_id;
  payload["iat"] = now;
  payload["exp"] = now + ttl_.count();
  std::string input =
      base64url_encode(kHeader) + "." + base64url_encode(boost::json::serialize(payload));
  return input + "." + base64url_encode(sign(input));
}

AccessClaims AccessTokens::verify(std::string_view token) const {
  if (token.empty() || token.size() > kMaxTokenLength) reject();
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    reject();

  // The signature first: nothing of an unsigned token is interpreted beyond its header.
  boost::json::object header = decode_part(token.substr(0, first));
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->value().is_string() || alg->value().as_string() != "HS256")
    reject();
  if (header.contains("crit")) reject();
  std::string signature;
  if (!base64url_decode(token.substr(second + 1), signature) ||
      signature.size() != crypto_auth_hmacsha256_BYTES)
    reject();
  std::string expected = sign(token.substr(0, second));
  if (sodium_memcmp(signature.data(), expected.data(), expected.size()) != 0) reject();

  boost::json::object payload = decode_part(token.substr(first + 1, second - first - 1));
  AccessClaims claims;
  auto id = payload.find("id");
  if (id == payload.end() || !id->value().is_string() || id->value().as_string().empty()) reject();
  claims.user_id = std::string(id->value().as_string());
  if (auto sub = payload.find("sub");
      sub != payload.end() &&
      (!sub->value().is_string() || sub->value().as_string() != claims.user_id))
    reject();

  if (auto sid = payload.find("sid"); sid != payload.end()) {
    if (!sid->value().is_string()) reject();
    claims.session_id = std::string(sid->value().as_string());
  }

  std::int64_t now = seconds_since_epoch(clock_.now());
  if (!numeric_date(payload, "exp", claims.expires_at)) reject();
  if (now > claims.expires_at + kLeeway.count()) reject("Not authorized, token expired");
  std::int64_t not_before = 0;
  if (numeric_date(payload, "nbf", not_before) && now + kLeeway.count() < not_before) reject();
  numeric_date(payload, "iat", claims.issued_at);
  return claims;
}

}  // namespace shop::auth
