#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace shop::test {

// The subset of Stripe's API that shopd uses, on 127.0.0.1 with a free port, for the payment
// tests: PaymentIntents (create, retrieve, cancel, capture) and refunds. Like Stripe it checks
// the secret key (401), the form encoding and the Idempotency-Key of every POST (400 without
// one; the same key with another body is a 400 idempotency_error; with the same body the first
// answer again). It can fail (5xx), answer slowly, or drop connections, and makes the events
// Stripe would send, for the tests to sign and deliver.
class FakeStripe {
 public:
  static constexpr const char* kSecretKey = "sk_test_fake_0123456789";
  static constexpr const char* kWebhookSecret = "whsec_fake_0123456789";

  // On `port` of 127.0.0.1, or on a free one.
  explicit FakeStripe(std::uint16_t port = 0);
  ~FakeStripe();
  FakeStripe(const FakeStripe&) = delete;
  FakeStripe& operator=(const FakeStripe&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  struct Intent {
    std::string id;
    std::string status;
    std::string client_secret;
    std::int64_t amount = 0;
    std::string currency;
    std::string order_id;
    std::string capture_method;
    std::vector<std::string> refunds;
    std::int64_t refunded = 0;  // minor units given back so far
  };

  // The next `n` requests answer `status` (500: Stripe is failing) without doing anything.
  void fail_next(int n, int status = 500);
  // Every request waits this long before it is answered (a slow provider).
  void set_delay(std::chrono::milliseconds delay);
  // Every request is carried out at once but answered this much later: a caller that dies
  // meanwhile never learns what it made (an intent that exists only here).
  void set_answer_delay(std::chrono::milliseconds delay);
  // While down, connections are closed without an answer (Stripe unreachable).
  void set_down(bool down);

  // The buyer confirmed the payment: the intent succeeds (or waits for capture). Returns the
  // event Stripe sends, as JSON text.
  std::string pay(const std::string& intent_id);
  // The buyer's card was declined.
  std::string decline(const std::string& intent_id);
  // A refund of `amount` made outside shopd (in Stripe's dashboard); returns the charge.refunded
  // event Stripe sends.
  std::string refund_outside(const std::string& intent_id, std::int64_t amount);
  // An event of `type` about the intent as it is now, with a fresh event id.
  std::string event(const std::string& type, const std::string& intent_id);

  Intent intent(const std::string& id) const;
  std::vector<Intent> intents() const;
  // Requests received, by "METHOD /path" (ids in paths replaced by :id).
  int requests(const std::string& route) const;
  // Requests received and not answered yet.
  int in_flight() const;
  // Connections accepted so far (a client that keeps its connections alive opens few).
  int connections() const;
  // POST requests that carried an Idempotency-Key seen before (answered from the first).
  int replays() const;

 private:
  struct Answer {
    int status = 200;
    std::string body;
  };
  void serve();
  void handle(int fd);
  Answer answer(const std::string& method, const std::string& path,
                const std::map<std::string, std::string>& headers, const std::string& body);
  std::string intent_json(const Intent& i) const;

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::set<int> open_;  // connections being served
  int accepted_ = 0;
  int in_flight_ = 0;  // requests being handled
  std::map<std::string, Intent> intents_;
  std::map<std::string, std::pair<std::string, Answer>> idempotent_;  // key → body, answer
  std::map<std::string, int> requests_;
  int replays_ = 0;
  int fail_left_ = 0;
  int fail_status_ = 500;
  std::chrono::milliseconds delay_{0};
  std::chrono::milliseconds answer_delay_{0};
  bool down_ = false;
  int next_id_ = 0;
};

}  // namespace shop::test
