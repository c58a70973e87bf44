// The request checks the server runs on a parsed header, without a socket; the raw-socket side
// (what a client sees, and that the connection closes) is tests/api/conformance_test.cpp.
#include "http/request_checks.hpp"

#include <gtest/gtest.h>

namespace shop::http {
namespace {

HeaderFacts get(std::string_view target = "/api/products") {
  HeaderFacts h;
  h.method = "GET";
  h.target = target;
  h.hosts = 1;
  h.host = "shop.example";
  return h;
}

// The refusal's code and message, or "ok".
std::string verdict(const HeaderFacts& h) {
  auto e = check_header(h);
  if (!e) return "ok";
  return std::string(e->code() == ErrorCode::not_implemented ? "501 " : "400 ") +
         std::string(e->public_message());
}

TEST(ObsFold, AFoldedLine_IsFound_AnywhereInTheHeader) {
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nX: 1\r\n 2\r\n\r\n"));
  EXPECT_TRUE(has_obs_fold("X: 1\r\n\t2\r\n"));
  EXPECT_FALSE(has_obs_fold("X: a b\r\n"));  // a space inside a value is no fold
}

TEST(ValidHost, NamesAddressesAndPorts) {
  for (const char* ok : {"", "shop.example", "shop.example:8080", "127.0.0.1", "127.0.0.1:1",
                         "[::1]", "[::1]:443", "xn--bcher-kva.example", "a%41b", "host:"})
    EXPECT_TRUE(valid_host(ok)) << ok;
  for (const char* bad :
       {"shop example", "a/b", "[::1", "[]", "[::1]x", "host:80a", "a%4", "a%zz", "a@b", "a\"b"})
    EXPECT_FALSE(valid_host(bad)) << bad;
}

TEST(OriginForm, AbsoluteFormIsReducedToPathAndQuery) {
  EXPECT_EQ(origin_form("/a?b=1"), "/a?b=1");
  EXPECT_EQ(origin_form("http://shop.example/a?b=1"), "/a?b=1");
  EXPECT_EQ(origin_form("HTTPS://shop.example:8443"), "/");
  EXPECT_EQ(origin_form("http://shop.example?x=1"), "/?x=1");
  EXPECT_EQ(origin_form("http:///a"), std::nullopt);  // no authority
  EXPECT_EQ(origin_form("http://bad host/a"), std::nullopt);
  EXPECT_EQ(origin_form("ftp://shop.example/a"), std::nullopt);
  EXPECT_EQ(origin_form("a/b"), std::nullopt);
  EXPECT_EQ(origin_form("*"), std::nullopt);
}

TEST(OnlyChunkedCoding, AnyOtherCodingInAnyField_IsNotDecoded) {
  EXPECT_TRUE(only_chunked_coding({}));
  EXPECT_TRUE(only_chunked_coding({"chunked"}));
  EXPECT_TRUE(only_chunked_coding({"Chunked , "}));
  EXPECT_FALSE(only_chunked_coding({"gzip, chunked"}));
  EXPECT_FALSE(only_chunked_coding({"chunked", "deflate"}));
}

TEST(CheckHeader, AnOrdinaryRequest_Passes) {
  EXPECT_EQ(verdict(get()), "ok");
  HeaderFacts old = get();
  old.version = 10;
  old.hosts = 0;  // HTTP/1.0 needs no Host
  EXPECT_EQ(verdict(old), "ok");
}

TEST(CheckHeader, ObsFold_Is400) {
  HeaderFacts h = get();
  h.obs_fold = true;
  EXPECT_EQ(verdict(h), "400 Obsolete line folding in a header");
}

TEST(CheckHeader, MissingDuplicateOrInvalidHost_Is400) {
  HeaderFacts none = get();
  none.hosts = 0;
  EXPECT_EQ(verdict(none), "400 Missing Host header");
  HeaderFacts two = get();
  two.hosts = 2;
  EXPECT_EQ(verdict(two), "400 Duplicate Host header");
  HeaderFacts bad = get();
  bad.host = "a b";
  EXPECT_EQ(verdict(bad), "400 Invalid Host header");
}

TEST(CheckHeader, TargetForms_OriginAbsoluteAsteriskForOptionsOnly) {
  EXPECT_EQ(verdict(get("http://shop.example/x")), "ok");
  EXPECT_EQ(verdict(get("*")), "400 Invalid request target");
  HeaderFacts options = get("*");
  options.method = "OPTIONS";
  EXPECT_EQ(verdict(options), "ok");
  HeaderFacts connect = get("shop.example:443");
  connect.method = "CONNECT";
  EXPECT_EQ(verdict(connect), "ok");  // the router answers it (405)
  EXPECT_EQ(verdict(get("no-slash")), "400 Invalid request target");
}

TEST(CheckHeader, TransferEncodingThatLeavesFramingInDoubt_Is400_OtherCodings501) {
  HeaderFacts chunked = get();
  chunked.transfer_encodings = {"chunked"};
  chunked.chunked = true;
  EXPECT_EQ(verdict(chunked), "ok");
  HeaderFacts with_length = chunked;
  with_length.content_length = true;
  EXPECT_EQ(verdict(with_length), "400 Invalid Transfer-Encoding");
  HeaderFacts http10 = chunked;
  http10.version = 10;
  EXPECT_EQ(verdict(http10), "400 Invalid Transfer-Encoding");
  HeaderFacts not_last = get();
  not_last.transfer_encodings = {"chunked, gzip"};
  not_last.chunked = false;
  EXPECT_EQ(verdict(not_last), "400 Invalid Transfer-Encoding");
  HeaderFacts gzip = get();
  gzip.transfer_encodings = {"gzip, chunked"};
  gzip.chunked = true;
  EXPECT_EQ(verdict(gzip), "501 Transfer coding not implemented");
}

TEST(RoutingTarget, OriginFormOrAsSent) {
  EXPECT_EQ(routing_target("http://shop.example/a?b"), "/a?b");
  EXPECT_EQ(routing_target("/x"), "/x");
  EXPECT_EQ(routing_target("*"), "*");
}

}  // namespace
}  // namespace shop::http
