// The outbound HTTP client (libcurl) against a server on loopback (the fake Stripe): connections
// kept alive per thread, timeouts and refusals as TransportError, bounded answers, form encoding.
#include "outbound/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "fake_stripe.hpp"

namespace shop::outbound {
namespace {

using test::FakeStripe;
using ::testing::HasSubstr;

HttpRequest intent_request(const FakeStripe& stripe) {
  HttpRequest r;
  r.url = stripe.base_url() + "/v1/payment_intents/pi_none";
  r.headers = {{"Authorization", std::string("Bearer ") + FakeStripe::kSecretKey}};
  return r;
}

TEST(OutboundHttp, CallsFromOneThread_ShareOneKeptAliveConnection) {
  FakeStripe stripe;
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = client.send(intent_request(stripe));
    EXPECT_EQ(r.status, 404);
    EXPECT_THAT(r.body, HasSubstr("resource_missing"));
  }
  EXPECT_EQ(stripe.connections(), 1);
}

TEST(OutboundHttp, EachThread_HasConnectionsOfItsOwn) {
  FakeStripe stripe;
  HttpClient client;
  client.send(intent_request(stripe));
  std::thread other([&] {
    client.send(intent_request(stripe));
    client.send(intent_request(stripe));
  });
  other.join();
  client.send(intent_request(stripe));
  EXPECT_EQ(stripe.connections(), 2);
}

TEST(OutboundHttp, ASlowAnswer_IsATransportErrorAfterTheTimeout) {
  FakeStripe stripe;
  stripe.set_delay(std::chrono::milliseconds(600));
  HttpRequest r = intent_request(stripe);
  r.total_timeout = std::chrono::milliseconds(100);
  EXPECT_THROW(HttpClient().send(r), TransportError);
}

TEST(OutboundHttp, AServerThatDropsTheConnection_IsATransportError_AndTheNextCallWorks) {
  FakeStripe stripe;
  HttpClient client;
  EXPECT_EQ(client.send(intent_request(stripe)).status, 404);
  stripe.set_down(true);
  EXPECT_THROW(client.send(intent_request(stripe)), TransportError);
  stripe.set_down(false);
  EXPECT_EQ(client.send(intent_request(stripe)).status, 404);
}

TEST(OutboundHttp, AnAnswerLongerThanTheLimit_IsATransportError) {
  FakeStripe stripe;
  HttpRequest r = intent_request(stripe);
  r.max_response_bytes = 16;
  try {
    HttpClient().send(r);
    FAIL() << "a long answer was accepted";
  } catch (const TransportError& e) {
    EXPECT_THAT(e.what(), HasSubstr("longer than 16 bytes"));
  }
}

TEST(OutboundHttp, FormEncoding_EscapesEverythingButUnreservedBytes) {
  EXPECT_EQ(form_encode({{"metadata[order_id]", "a b&c=d"}, {"amount", "1250"}}),
            "metadata%5Border_id%5D=a%20b%26c%3Dd&amount=1250");
  EXPECT_EQ(form_encode({{"k", "-._~\xc3\xa9"}}), "k=-._~%C3%A9");
  EXPECT_EQ(form_encode({}), "");
}

}  // namespace
}  // namespace shop::outbound
