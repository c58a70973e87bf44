#pragma once

#include <string>

#include "outbound/http_client.hpp"
#include "payments/payment_provider.hpp"

namespace shop::payments {

struct StripeSettings {
  std::string secret_key;                           // STRIPE_SECRET_KEY: sk_test_... or sk_live_...
  std::string webhook_secret;                       // STRIPE_WEBHOOK_SECRET: whsec_...
  std::string api_base = "https://api.stripe.com";  // STRIPE_API_BASE (tests: a local fake)
  bool manual_capture = false;                      // STRIPE_CAPTURE=manual: capture at shipping
};

// Stripe's PaymentIntents API (form-encoded POSTs, JSON answers) over HTTPS with libcurl.
class StripeProvider : public PaymentProvider {
 public:
  StripeProvider(StripeSettings settings, const outbound::HttpClient& http)
      : settings_(std::move(settings)), http_(http) {}

  Intent initiate(const IntentRequest& request) override;
  Intent retrieve(std::string_view intent_id) override;
  Intent capture(std::string_view intent_id, std::string_view idempotency_key) override;
  Intent cancel(std::string_view intent_id, std::string_view idempotency_key) override;
  Refund refund(std::string_view intent_id, Cents amount,
                std::string_view idempotency_key) override;
  ProviderEvent parse_webhook(std::string_view body, std::string_view signature,
                              std::int64_t now_s) override;

 private:
  // The JSON object of a 2xx answer; ProviderRefused for a 4xx, ProviderUnavailable otherwise.
  std::string call(const std::string& method, const std::string& path, const outbound::Fields& form,
                   std::string_view idempotency_key) const;

  StripeSettings settings_;
  const outbound::HttpClient& http_;
};

}  // namespace shop::payments
