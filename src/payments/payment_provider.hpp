#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/money.hpp"

namespace shop::payments {

// A payment at the provider (a Stripe PaymentIntent). status is the provider's word for it:
// requires_payment_method, requires_confirmation, requires_action, processing,
// requires_capture, canceled or succeeded.
struct Intent {
  std::string id;
  std::string status;
  std::optional<std::string> client_secret;  // what a front end confirms the payment with
  Cents amount = 0;
};

struct Refund {
  std::string id;
  std::string status;  // pending, succeeded, failed, canceled, requires_action
};

// What a verified webhook says. kind is the event's type (payment_intent.succeeded, ...);
// intent_id the PaymentIntent it is about (for charge.* events, the charge's payment_intent).
struct ProviderEvent {
  std::string id;
  std::string type;
  std::string intent_id;
  std::string intent_status;    // for payment_intent.* events
  bool fully_refunded = false;  // for charge.* events: the whole charge went back
};

struct IntentRequest {
  std::string order_id;
  Cents amount = 0;
  std::string currency;         // ISO 4217, lower case
  std::string idempotency_key;  // the same key gives back the same intent
};

// The provider answered, and refused (a 4xx): code and message are the provider's, for the log
// and the client; intent_status is the intent's status when the answer tells it (for example,
// "succeeded" when a cancel came too late).
class ProviderRefused : public std::runtime_error {
 public:
  ProviderRefused(std::string code, const std::string& message, std::string intent_status)
      : std::runtime_error(message),
        code_(std::move(code)),
        intent_status_(std::move(intent_status)) {}
  const std::string& code() const { return code_; }
  const std::string& intent_status() const { return intent_status_; }

 private:
  std::string code_;
  std::string intent_status_;
};

// The provider could not be reached, timed out, or failed (a 5xx): try again later.
class ProviderUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A payment provider: initiate, retrieve, capture, cancel and refund a payment, and read its
// webhooks. Every call goes over the network, so none may run inside a database transaction;
// each POST carries an idempotency key, so a call repeated after a crash does nothing twice.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual Intent initiate(const IntentRequest& request) = 0;
  virtual Intent retrieve(std::string_view intent_id) = 0;
  virtual Intent capture(std::string_view intent_id, std::string_view idempotency_key) = 0;
  virtual Intent cancel(std::string_view intent_id, std::string_view idempotency_key) = 0;
  // amount 0: the whole payment.
  virtual Refund refund(std::string_view intent_id, Cents amount,
                        std::string_view idempotency_key) = 0;
  // The event of a webhook whose signature holds, or Error{invalid_input} (unsigned, forged or
  // stale) and nothing is read of it.
  virtual ProviderEvent parse_webhook(std::string_view body, std::string_view signature,
                                      std::int64_t now_s) = 0;
};

}  // namespace shop::payments
