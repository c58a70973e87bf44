// RFC 9112 conformance of the HTTP/1.1 server and its defences against slow clients, driven
// over raw sockets. Framing cases already in server_test.cpp are not repeated here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/message.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;  // "...\0..."s keeps a NUL inside a request
using ::testing::AnyOf;
using ::testing::Eq;
using steady = std::chrono::steady_clock;

constexpr std::size_t kBigBody = 16 * 1024 * 1024;  // far more than the socket buffers hold
// Sent right after every refused request: answering it would mean the stream was desynchronised.
constexpr std::string_view kSmuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

// Routes that exist only in these tests.
app::AppHooks conformance_hooks() {
  app::AppHooks hooks;
  hooks.extra_routes = [](http::Router& r) {
    // What a handler sees of the request: path, query and "name: value" field lines in order.
    auto inspect = [](http::Request& req, http::RequestContext&) {
      boost::json::array fields;
      for (const auto& [name, value] : req.headers.fields())
        fields.emplace_back(name + ": " + value);
      boost::json::object o;
      o["path"] = req.path;
      o["query"] = req.query;
      o["fields"] = std::move(fields);
      return http::Response::json(200, boost::json::serialize(o));
    };
    r.add({.method = http::Method::get, .pattern = "/test/inspect", .handler = inspect});
    r.add({.method = http::Method::post, .pattern = "/test/inspect", .handler = inspect});
    r.add({.method = http::Method::get,
           .pattern = "/test/big",
           .handler = [](http::Request&, http::RequestContext&) {
             return http::Response::text(200, std::string(kBigBody, 'x'), "text/plain");
           }});
  };
  hooks.server_options = [](http::ServerOptions& o) {
    o.header_timeout = 1000ms;
    o.idle_timeout = 1000ms;
    o.body_timeout = 1000ms;
    o.write_timeout = 500ms;
    o.sweep_interval = 50ms;
    o.shutdown_grace = 2000ms;
  };
  return hooks;
}

class Conformance : public ::testing::Test {
 protected:
  TestServer server_{{}, conformance_hooks()};
};

// The value of a header field the handler saw, if any (names compared case-insensitively).
std::optional<std::string> seen_field(const HttpResponse& r, std::string_view name) {
  auto json = r.json();  // outlives the loop (a temporary in the range would not)
  for (const auto& f : json.at("fields").as_array()) {
    std::string_view line(f.as_string().data(), f.as_string().size());
    auto colon = line.find(": ");
    if (http::iequals(line.substr(0, colon), name)) return std::string(line.substr(colon + 2));
  }
  return std::nullopt;
}

// A refused request: the status it must get, then the connection closes with nothing more sent.
struct Refusal {
  std::string name, request;
  int status = 400;
  friend void PrintTo(const Refusal& f, std::ostream* os) { *os << f.name; }
};

class Refused : public Conformance, public ::testing::WithParamInterface<Refusal> {};

TEST_P(Refused, GetsTheStatusThenCloseAndNoAnswerToWhatFollows) {
  HttpClient c(server_.port());
  ASSERT_TRUE(c.send_raw(GetParam().request + std::string(kSmuggled)));
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, GetParam().status);
  EXPECT_EQ(r->header("Connection"), "close");
  // The server half-closes after its answer, so this returns at once unless a second answer came.
  EXPECT_FALSE(c.read_response(3s).has_value());
  EXPECT_TRUE(c.wait_closed(3s));
}

std::string refusal_name(const ::testing::TestParamInfo<Refusal>& info) {
  return info.param.name;
}

const std::string kGet = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
const std::string kPostJson =
    "POST /test/inspect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
const std::string kChunked = kPostJson + "Transfer-Encoding: chunked\r\n\r\n";

// RFC 9112 §5.1, §5.2, §2.2 and RFC 9110 §5.5: field lines.
INSTANTIATE_TEST_SUITE_P(
    ConformanceFieldLine, Refused,
    ::testing::Values(
        // §5.1: whitespace between a field name and the colon MUST be rejected with 400.
        Refusal{"SpaceBeforeColon", kGet + "X-Test : 1\r\n\r\n"},
        Refusal{"TabBeforeColon", kGet + "X-Test\t: 1\r\n\r\n"},
        Refusal{"SpaceBeforeColonInContentLength", kPostJson + "Content-Length : 37\r\n\r\n"},
        // §5.2: obs-fold is rejected (the RFC allows replacing it with SP; shopd refuses).
        Refusal{"ObsFoldWithSpace", kGet + "X-Test: a\r\n b\r\n\r\n"},
        Refusal{"ObsFoldWithTab", kGet + "X-Test: a\r\n\tb\r\n\r\n"},
        Refusal{"ObsFoldedTransferEncoding",
                kPostJson + "Transfer-Encoding:\r\n chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
        // §2.2: whitespace between the start-line and the first field line.
        Refusal{"WhitespaceBeforeFirstField", "GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n"},
        // §2.2: a bare CR is invalid.
        Refusal{"BareCrInFieldValue", kGet + "X-Test: a\rb\r\n\r\n"},
        Refusal{"BareCrEndingFieldLine", kGet + "X-Test: a\rX-Other: b\r\n\r\n"},
        // RFC 9110 §5.5: NUL and other controls in a value.
        Refusal{"NulInFieldValue", kGet + "X-Test: a\0b\r\n\r\n"s},
        Refusal{"ControlCharInFieldValue", kGet + "X-Test: a\x01z\r\n\r\n"},
        Refusal{"DelInFieldValue", kGet + "X-Test: a\x7fz\r\n\r\n"},
        // The field name is a token.
        Refusal{"ParenInFieldName", kGet + "X(Test): 1\r\n\r\n"},
        Refusal{"SlashInFieldName", kGet + "X/Test: 1\r\n\r\n"},
        Refusal{"SpaceInFieldName", kGet + "X Test: 1\r\n\r\n"},
        Refusal{"NonAsciiInFieldName", kGet + "X-T\xc3\xa9st: 1\r\n\r\n"},
        Refusal{"NulInFieldName", kGet + "X-\0Test: 1\r\n\r\n"s},
        Refusal{"EmptyFieldName", kGet + ": 1\r\n\r\n"}),
    refusal_name);

// RFC 9112 §6.3 item 5: an invalid Content-Length is an unrecoverable framing error.
INSTANTIATE_TEST_SUITE_P(
    ConformanceContentLength, Refused,
    ::testing::Values(Refusal{"Letters", kPostJson + "Content-Length: abc\r\n\r\n"},
                      Refusal{"PlusSign", kPostJson + "Content-Length: +5\r\n\r\n{}   "},
                      Refusal{"Decimal", kPostJson + "Content-Length: 1.0\r\n\r\n{"},
                      Refusal{"TrailingGarbage", kPostJson + "Content-Length:  5 x\r\n\r\n{}   "},
                      Refusal{"Hex", kPostJson + "Content-Length: 0x5\r\n\r\n{}   "},
                      Refusal{"Empty", kPostJson + "Content-Length:\r\n\r\n"},
                      Refusal{"Overflowing",
                              kPostJson + "Content-Length: 99999999999999999999999\r\n\r\n"}),
    refusal_name);

// RFC 9112 §6.1 and §6.3 item 4: Transfer-Encoding.
INSTANTIATE_TEST_SUITE_P(
    ConformanceTransferEncoding, Refused,
    ::testing::Values(
        Refusal{"ChunkedTwiceInOneField",
                kPostJson + "Transfer-Encoding: chunked, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
        Refusal{"ChunkedTwiceInTwoFields", kPostJson +
                                               "Transfer-Encoding: chunked\r\nTransfer-Encoding: "
                                               "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
        Refusal{"IdentityAlone", kPostJson + "Transfer-Encoding: identity\r\n\r\n{}"},
        Refusal{"UnknownCodingAlone", kPostJson + "Transfer-Encoding: gzip\r\n\r\n{}"},
        Refusal{"LookalikeOfChunked",
                kPostJson + "Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
        // Chunked is last, so the framing holds, but the coding under it is unknown: 501.
        Refusal{"UnknownCodingBeforeChunked",
                kPostJson + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 501},
        Refusal{"UnknownCodingBeforeChunkedInTwoFields",
                kPostJson +
                    "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
                    "\r\n",
                501},
        // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
        Refusal{"Http10WithChunked",
                "POST /test/inspect HTTP/1.0\r\nContent-Type: application/json\r\nConnection: "
                "keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"}),
    refusal_name);

// RFC 9112 §7.1: chunk sizes, extensions and the CRLF after chunk data.
INSTANTIATE_TEST_SUITE_P(
    ConformanceChunks, Refused,
    ::testing::Values(
        Refusal{"SizeOverflowing64Bits", kChunked + "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"},
        Refusal{"NegativeSize", kChunked + "-1\r\n{}\r\n0\r\n\r\n"},
        Refusal{"HexPrefixedSize", kChunked + "0x2\r\n{}\r\n0\r\n\r\n"},
        Refusal{"SpaceBeforeSize", kChunked + " 2\r\n{}\r\n0\r\n\r\n"},
        Refusal{"EmptySizeLine", kChunked + "\r\n{}\r\n0\r\n\r\n"},
        Refusal{"BareLfAfterSize", kChunked + "2\n{}\r\n0\r\n\r\n"},
        Refusal{"ControlCharInExtension", kChunked + "2;\x01\r\n{}\r\n0\r\n\r\n"},
        Refusal{"ExtensionWithoutSemicolon", kChunked + "2 x\r\n{}\r\n0\r\n\r\n"},
        Refusal{"ExtensionNameWithSpace", kChunked + "2;a b\r\n{}\r\n0\r\n\r\n"},
        Refusal{"DataLongerThanSize", kChunked + "2\r\n{}  \r\n0\r\n\r\n"},
        Refusal{"NoCrlfAfterData", kChunked + "2\r\n{}0\r\n\r\n"},
        // Fits in 64 bits but not in the body limit: refused before any of it is read.
        Refusal{"SizeOverTheBodyLimit", kChunked + "FFFFFFFF\r\n{}\r\n0\r\n\r\n", 413}),
    refusal_name);

// RFC 9112 §3: the request-line (method SP request-target SP HTTP-version CRLF).
INSTANTIATE_TEST_SUITE_P(
    ConformanceRequestLine, Refused,
    ::testing::Values(
        // Beast supports 1.0 and 1.1 only; 505 would also be allowed for 2.0 (RFC 9110 §15.6.6).
        Refusal{"Version12", "GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n"},
        Refusal{"Version20", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n"},
        Refusal{"VersionWithSuffix", "GET /healthz HTTP/1.1x\r\nHost: x\r\n\r\n"},
        Refusal{"VersionWithoutDot", "GET /healthz HTTP/11\r\nHost: x\r\n\r\n"},
        Refusal{"VersionLowerCase", "GET /healthz http/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"SpaceAfterVersion", "GET /healthz HTTP/1.1 \r\nHost: x\r\n\r\n"},
        Refusal{"MethodWithParen", "GE(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"MethodWithControlChar", "G\x01T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"LeadingSpace", " GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"TwoSpacesAfterMethod", "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"TwoSpacesBeforeVersion", "GET /healthz  HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"TabAsSeparator", "GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"SpaceInTarget", "GET /health z HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"TabInTarget", "GET /health\tz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"ControlCharInTarget", "GET /health\x01z HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"DelInTarget", "GET /health\x7fz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"NulInTarget", "GET /health\0z HTTP/1.1\r\nHost: x\r\n\r\n"s},
        Refusal{"BareCrInTarget", "GET /healthz\rHTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"BareCrEndingRequestLine", "GET /healthz HTTP/1.1\rHost: x\r\n\r\n"},
        // §3.2: neither origin-form nor absolute-form (nor asterisk/authority form).
        Refusal{"TargetWithoutLeadingSlash", "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
        Refusal{"TargetOfAnotherScheme", "GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n"}),
    refusal_name);

// RFC 9112 §3.2: a Host field with an invalid value MUST be answered with 400.
INSTANTIATE_TEST_SUITE_P(
    ConformanceHost, Refused,
    ::testing::Values(Refusal{"Space", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n"},
                      Refusal{"Slash", "GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n"},
                      Refusal{"UserInfo", "GET /healthz HTTP/1.1\r\nHost: user@a\r\n\r\n"},
                      Refusal{"PortNotNumeric", "GET /healthz HTTP/1.1\r\nHost: a:http\r\n\r\n"},
                      Refusal{"TwoPorts", "GET /healthz HTTP/1.1\r\nHost: a:1:2\r\n\r\n"},
                      Refusal{"UnclosedIpLiteral", "GET /healthz HTTP/1.1\r\nHost: [::1\r\n\r\n"},
                      Refusal{"BadPercentEncoding", "GET /healthz HTTP/1.1\r\nHost: a%zz\r\n\r\n"},
                      Refusal{"NonAscii", "GET /healthz HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n"},
                      Refusal{"AbsoluteFormWithInvalidHost",
                              "GET http://a/healthz HTTP/1.1\r\nHost: a b\r\n\r\n"}),
    refusal_name);

TEST_F(Conformance, ObsFoldSplitAcrossReads_IsStillRefused) {
  // The fold is found however the header is cut into TCP segments.
  for (std::size_t cut : {0, 1, 2}) {
    std::string head = kGet + "X-Test: a\r\n b\r\n\r\n";
    std::size_t at = head.find("a\r\n b") + 2 + cut;  // after "a\r", "a\r\n" or "a\r\n "
    HttpClient c(server_.port());
    ASSERT_TRUE(c.send_raw(head.substr(0, at)));
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(c.send_raw(head.substr(at) + std::string(kSmuggled)));
    auto r = c.read_response(3s);
    ASSERT_TRUE(r) << cut;
    EXPECT_EQ(r->status, 400) << cut;
    EXPECT_FALSE(c.read_response(3s).has_value()) << cut;
  }
}

TEST_F(Conformance, ValidHostValues_AreAccepted) {
  HttpClient c(server_.port());
  // RFC 9110 §7.2 (uri-host [":" port]); an empty value is what a client sends with no authority.
  for (std::string host :
       {"[::1]:8080", "[::1]", "[v1.fe80::a+en1]", "shop.example:80", "127.0.0.1", "",
        "shop.example:", "a%41b.example", "xn--caf-dma.example"}) {
    ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
    auto r = c.read_response(3s);
    ASSERT_TRUE(r) << host;
    EXPECT_EQ(r->status, 200) << host;
  }
}

TEST_F(Conformance, AbsoluteFormTarget_IsAcceptedAndRoutedByItsPathAndQuery) {
  HttpClient c(server_.port());
  // §3.2.2: a server MUST accept absolute-form; the Host field is then ignored (§3.2.2, last para).
  ASSERT_TRUE(
      c.send_raw("GET http://shop.example/test/inspect?x=1 HTTP/1.1\r\nHost: shop.example\r\n\r\n"
                 "GET HTTP://Shop.Example:8080/test/inspect HTTP/1.1\r\nHost: other.example\r\n\r\n"
                 "GET https://shop.example?y=2 HTTP/1.1\r\nHost: shop.example\r\n\r\n"
                 "GET http://shop.example HTTP/1.1\r\nHost: shop.example\r\n\r\n"));
  auto first = c.read_response(3s);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(first->json().at("path"), "/test/inspect");
  EXPECT_EQ(first->json().at("query"), "x=1");
  auto second = c.read_response(3s);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 200);
  EXPECT_EQ(second->json().at("path"), "/test/inspect");
  EXPECT_EQ(second->json().at("query"), "");
  for (int i = 0; i < 2; ++i) {  // an empty path is "/"
    auto root = c.read_response(3s);
    ASSERT_TRUE(root);
    EXPECT_EQ(root->status, 200);
    EXPECT_EQ(root->body, "shopd API is running\n");
  }
}

TEST_F(Conformance, AbsoluteFormTargetWithoutHost_Is400AndClose) {
  HttpClient c(server_.port());
  // §3.2: the Host field is still required in HTTP/1.1, whatever the form of the target.
  ASSERT_TRUE(
      c.send_raw("GET http://shop.example/healthz HTTP/1.1\r\n\r\n" + std::string(kSmuggled)));
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(c.read_response(3s).has_value());
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(Conformance, VeryLongRequestTarget_Is414AndClose) {
  HttpClient c(server_.port());
  std::string target = "/test/inspect?q=" + std::string(20 * 1024, 'a');  // over the 16 KiB limit
  ASSERT_TRUE(
      c.send_raw("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(kSmuggled)));
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 414);
  EXPECT_EQ(r->json().at("message"), "Request target too long");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_FALSE(c.read_response(3s).has_value());
  EXPECT_TRUE(c.wait_closed(3s));
}

TEST_F(Conformance, BareLfLineEnds_AreRefusedOrReadAsLineEndsButNeverDesync) {
  // §2.2 lets a server take a bare LF as a line end. Either way the request that follows must
  // be answered as a request of its own, or not at all.
  for (std::string head :
       {"GET /test/inspect HTTP/1.1\nHost: x\n\n", "GET /test/inspect HTTP/1.1\r\nHost: x\n\r\n",
        "GET /test/inspect HTTP/1.1\r\nHost: x\r\nX-Test: 1\n\r\n"}) {
    HttpClient c(server_.port());
    ASSERT_TRUE(c.send_raw(head + std::string(kSmuggled)));
    auto first = c.read_response(3s);
    ASSERT_TRUE(first) << head;
    if (first->status == 400) {
      EXPECT_EQ(first->header("Connection"), "close");
      EXPECT_FALSE(c.read_response(3s).has_value()) << head;
      EXPECT_TRUE(c.wait_closed(3s));
      continue;
    }
    ASSERT_EQ(first->status, 200) << head;
    EXPECT_EQ(first->json().at("path"), "/test/inspect");
    auto second = c.read_response(3s);
    ASSERT_TRUE(second) << head;
    EXPECT_EQ(second->status, 200);
    EXPECT_EQ(second->body, R"({"status":"ok"})");
  }
}

TEST_F(Conformance, EmptyLinesBeforeARequestLine_AreIgnored) {
  HttpClient c(server_.port());
  // §2.2: a server SHOULD ignore at least one empty line received before the request-line, as
  // some clients send an extra CRLF after a POST body.
  ASSERT_TRUE(c.send_raw("\r\n" + kGet + "\r\n"));
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(c.send_raw(kPostJson + "Content-Length: 2\r\n\r\n{}\r\n\r\n" + kGet + "\r\n"));
  auto post = c.read_response(3s);
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  auto get = c.read_response(3s);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, R"({"status":"ok"})");
  // An empty line cut between its CR and its LF.
  ASSERT_TRUE(c.send_raw("\r"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c.send_raw("\n" + kGet + "\r\n"));
  auto split = c.read_response(3s);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->status, 200);
}

TEST_F(Conformance, ChunkedBodyWithExtensionsAndTrailer_IsReadButTheTrailerIsNotAHeader) {
  HttpClient c(server_.port());
  // §7.1.1: unknown chunk extensions are ignored; §7.1.2: a trailer field MUST NOT be merged
  // into the header section.
  ASSERT_TRUE(c.send_raw(kChunked + "1;name=value\r\n{\r\n1 ; quoted=\"a b\"\r\n}\r\n0\r\n" +
                         "X-Trailer: sneaky\r\nAuthorization: Bearer sneaky\r\n\r\n" + kGet +
                         "\r\n"));
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(seen_field(*r, "Transfer-Encoding"), "chunked");
  EXPECT_FALSE(seen_field(*r, "X-Trailer").has_value());
  EXPECT_FALSE(seen_field(*r, "Authorization").has_value());
  auto next = c.read_response(3s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

// Slow and idle clients hold connections, never the I/O threads.
class SlowClient : public Conformance {
 protected:
  // The open-connections gauge from /metrics.
  static int open_connections(const HttpResponse& metrics) {
    static constexpr std::string_view kGauge = "\nshopd_http_open_connections ";
    auto at = metrics.body.find(kGauge);
    if (at == std::string::npos) return -1;
    return std::stoi(metrics.body.substr(at + kGauge.size()));
  }
};

TEST_F(SlowClient, BodyTrickledByteByByte_IsCutOffByTheBodyTimeoutWhileOthersAreServedFast) {
  HttpClient slow(server_.port());
  HttpClient fast(server_.port());
  auto start = steady::now();
  ASSERT_TRUE(slow.send_raw(kPostJson + "Content-Length: 100\r\n\r\n"));
  int served = 0;
  bool closed = false;
  while (!closed && steady::now() - start < 4s) {
    auto t0 = steady::now();
    ASSERT_EQ(fast.get("/healthz").status, 200);
    EXPECT_LT(steady::now() - t0, 200ms);
    ++served;
    closed = slow.wait_closed(200ms) || !slow.send_raw(" ");  // one byte every 200 ms
  }
  auto elapsed = steady::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 1000ms);  // the trickle does not restart the 1 s body deadline...
  EXPECT_LT(elapsed, 2000ms);  // ...and the deadline is kept
  EXPECT_GE(served, 4);
}

TEST_F(SlowClient, ReaderThatNeverReads_IsCutOffByTheWriteTimeoutWhileOthersAreServed) {
  HttpClient slow(server_.port());
  HttpClient fast(server_.port());
  auto start = steady::now();
  ASSERT_TRUE(slow.send_raw("GET /test/big HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<steady::duration> cut;
  bool seen_both = false;
  while (!cut && steady::now() - start < 4s) {
    auto t0 = steady::now();
    auto r = fast.get("/metrics");
    EXPECT_LT(steady::now() - t0, 200ms);
    ASSERT_EQ(r.status, 200);
    int open = open_connections(r);
    if (open == 2) seen_both = true;
    if (open == 1 && seen_both) cut = steady::now() - start;  // only `fast` is left
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(cut);
  EXPECT_GE(*cut, 500ms);  // not before the write timeout
  EXPECT_LT(*cut, 1500ms);
  // What fitted in the socket buffers, then the close: never the whole response.
  EXPECT_FALSE(slow.read_response(3s).has_value());
  EXPECT_EQ(fast.get("/healthz").status, 200);
}

TEST_F(SlowClient, FiftyIdleConnections_DoNotDelayOthersAndAreClosedByTheIdleTimeout) {
  auto start = steady::now();
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 50; ++i)
    idle.push_back(std::make_unique<HttpClient>(server_.port()));
  HttpClient fast(server_.port());
  for (int i = 0; i < 10; ++i) {
    auto t0 = steady::now();
    EXPECT_EQ(fast.get(i % 2 ? "/healthz" : "/test/inspect").status, 200);
    EXPECT_LT(steady::now() - t0, 200ms);
  }
  for (auto& c : idle)
    EXPECT_TRUE(c->wait_closed(3s));
  EXPECT_LT(steady::now() - start, 2500ms);  // 1 s idle timeout plus the sweep
}

}  // namespace
}  // namespace shop::test
