// Payments through Stripe (a fake on loopback, tests/support/fake_stripe.*) over a real socket,
// on every backend: the intent made after the order commits, signed webhooks applied exactly
// once, refunds of cancelled paid orders, a provider that is down.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>
#include <latch>
#include <thread>

#include "fake_stripe.hpp"
#include "payments/stripe_signature.hpp"
#include "shop_api.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Waits up to 10 s for `done`; whether it came.
bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class PaymentsApi : public ShopApi {
 protected:
  Env extra_env() const final {
    Env env{{"PAYMENT_PROVIDER", "stripe"},
            {"STRIPE_SECRET_KEY", FakeStripe::kSecretKey},
            {"STRIPE_WEBHOOK_SECRET", FakeStripe::kWebhookSecret},
            {"STRIPE_API_BASE", stripe_.base_url()}};
    env.merge(more_env());
    return env;
  }
  // What a suite sets beyond Stripe's settings.
  virtual Env more_env() const { return {}; }

  // Places alice's order of `units` mugs (12.50 each); the 201 answer's order.
  boost::json::object order_of(int units = 2) {
    if (mug_.empty()) mug_ = product("Mug", 1250, 10);
    EXPECT_EQ(add(alice_, mug_, units).status, 200);
    auto r = place(*client_, alice_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().at("order").as_object();
  }

  // Delivers an event as Stripe would, signed now (or at `t`).
  HttpResponse deliver(HttpClient& c, const std::string& event, std::optional<std::int64_t> t = {},
                       const std::string& secret = FakeStripe::kWebhookSecret) {
    std::int64_t when = t.value_or(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count());
    return c.request("POST", "/api/payments/stripe/webhook", event,
                     {{"Content-Type", "application/json"},
                      {"Stripe-Signature", payments::stripe_signature(secret, when, event)}});
  }
  HttpResponse deliver(const std::string& event) { return deliver(*client_, event); }

  std::string status_of(const std::string& order_id) {
    auto r = client_->get("/api/orders/" + order_id, alice_);
    return std::string(r.json().at("status").as_string());
  }
  boost::json::value payment_of(const std::string& order_id) {
    return client_->get("/api/orders/" + order_id, alice_).json().at("payment");
  }

  // What a kill -9 right after Stripe answered leaves: the order committed, no intent recorded.
  void forget_intent(const std::string& order_id) {
    auto lease = store_->acquire();
    lease.execute(
        "UPDATE payments SET intent_id = NULL, client_secret = NULL, "
        "status = 'pending' WHERE order_id = $1",
        {order_id});
  }

  FakeStripe stripe_;  // before the server: its address is in the server's environment
  std::string mug_;
};

std::string text(const boost::json::value& v) {
  return std::string(v.as_string());
}

TEST_P(PaymentsApi, PlacedOrder_GetsAnIntentAfterItCommits_AndASucceededWebhookMarksItPaid) {
  auto order = order_of(2);
  std::string id = text(order.at("_id"));
  EXPECT_EQ(order.at("status"), "placed");
  auto payment = order.at("payment").as_object();
  EXPECT_EQ(payment.at("provider"), "stripe");
  EXPECT_EQ(payment.at("status"), "requires_payment_method");
  std::string intent = text(payment.at("intentId"));
  EXPECT_THAT(text(payment.at("clientSecret")), HasSubstr(intent + "_secret_"));
  auto at_stripe = stripe_.intent(intent);
  EXPECT_EQ(at_stripe.amount, 2500);  // minor units
  EXPECT_EQ(at_stripe.currency, "usd");
  EXPECT_EQ(at_stripe.order_id, id);
  EXPECT_EQ(stock(mug_), 8);

  // The client secret is the owner's alone.
  auto as_admin = client_->get("/api/orders/" + id, admin_);
  EXPECT_EQ(text(as_admin.json().at("payment").at("intentId")), intent);
  EXPECT_THAT(as_admin.body, Not(HasSubstr("clientSecret")));
  EXPECT_THAT(client_->get("/api/orders", admin_).body, Not(HasSubstr("clientSecret")));
  EXPECT_THAT(client_->get("/api/orders/my", alice_).body, HasSubstr("clientSecret"));

  auto r = deliver(stripe_.pay(intent));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(status_of(id), "paid");
  EXPECT_EQ(payment_of(id).at("status"), "succeeded");
  EXPECT_EQ(stock(mug_), 8);
}

TEST_P(PaymentsApi, OneWebhookDelivered20TimesAtOnce_ToTwoInstances_MakesOneTransition) {
  auto second = another_server();
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  std::string event = stripe_.pay(intent);
  std::vector<int> statuses(20);
  std::latch go(20);
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(i % 2 == 0 ? server_->port() : second->port());
      go.arrive_and_wait();
      statuses[static_cast<std::size_t>(i)] = deliver(c, event).status;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 20);
  EXPECT_EQ(status_of(id), "paid");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 1);
  // The order moved once: the sales totals count it once, as paid.
  EXPECT_EQ(count("SELECT sum(paid) FROM sales_hours"), 1);
  EXPECT_EQ(count("SELECT sum(placed) FROM sales_hours"), 0);
}

TEST_P(PaymentsApi, UnsignedForgedOrStaleWebhooks_Are400_AndChangeNothing) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  std::string event = stripe_.pay(intent);
  std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
  auto unsigned_ = client_->request("POST", "/api/payments/stripe/webhook", event,
                                    {{"Content-Type", "application/json"}});
  EXPECT_EQ(unsigned_.status, 400);
  EXPECT_THAT(unsigned_.body, HasSubstr("Stripe-Signature"));
  EXPECT_EQ(deliver(*client_, event, now, "whsec_someone_else").status, 400);
  EXPECT_EQ(deliver(*client_, event, now - 301).status, 400);
  EXPECT_EQ(deliver(*client_, event, now + 301).status, 400);
  // A body changed after signing.
  std::string signature = payments::stripe_signature(FakeStripe::kWebhookSecret, now, event);
  std::string changed = event;
  changed.replace(changed.find("succeeded"), 9, "SUCCEEDED");
  EXPECT_EQ(client_
                ->request("POST", "/api/payments/stripe/webhook", changed,
                          {{"Content-Type", "application/json"}, {"Stripe-Signature", signature}})
                .status,
            400);
  EXPECT_EQ(status_of(id), "placed");
  EXPECT_EQ(count("SELECT count(*) FROM payment_events"), 0);
  // The genuine one still works afterwards.
  EXPECT_EQ(deliver(event).status, 200);
  EXPECT_EQ(status_of(id), "paid");
}

TEST_P(PaymentsApi, ProviderDownAtCheckout_OrderIsPlacedWithPaymentPending_AndARetryWorks) {
  stripe_.set_down(true);
  auto order = order_of(1);
  std::string id = text(order.at("_id"));
  EXPECT_EQ(order.at("status"), "placed");
  EXPECT_EQ(order.at("payment").at("status"), "pending");
  EXPECT_TRUE(order.at("payment").at("intentId").is_null());
  EXPECT_EQ(stock(mug_), 9);
  auto down = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  EXPECT_EQ(down.status, 503) << down.body;
  stripe_.set_down(false);
  auto retry = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  ASSERT_EQ(retry.status, 200) << retry.body;
  auto payment = retry.json().at("payment");
  EXPECT_EQ(payment.at("status"), "requires_payment_method");
  EXPECT_THAT(text(payment.at("clientSecret")), HasSubstr("_secret_"));
  EXPECT_EQ(stripe_.intents().size(), 1u);
  // Asking again gives the same intent, not a second one.
  auto again = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  EXPECT_EQ(again.json().at("payment").at("intentId"), payment.at("intentId"));
  EXPECT_EQ(stripe_.intents().size(), 1u);
  // Someone else's order is not found; a paid one cannot be paid again.
  EXPECT_EQ(client_->request("POST", "/api/orders/" + id + "/payment", "", bob_).status, 404);
  ASSERT_EQ(deliver(stripe_.pay(text(payment.at("intentId")))).status, 200);
  EXPECT_EQ(client_->request("POST", "/api/orders/" + id + "/payment", "", alice_).status, 409);
}

TEST_P(PaymentsApi, StripeFailingOnceAtCheckout_TheRetryUsesTheSameIdempotencyKey) {
  stripe_.fail_next(1, 500);
  std::string id = text(order_of(1).at("_id"));
  EXPECT_EQ(payment_of(id).at("status"), "pending");
  ASSERT_EQ(client_->request("POST", "/api/orders/" + id + "/payment", "", alice_).status, 200);
  EXPECT_EQ(stripe_.intents().size(), 1u);
  EXPECT_EQ(stripe_.requests("POST /v1/payment_intents"), 2);
}

TEST_P(PaymentsApi, DeclinedThenPaid_AndALateFailureAfterSuccess_ChangesNothing) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  std::string declined = stripe_.decline(intent);
  ASSERT_EQ(deliver(declined).status, 200);
  EXPECT_EQ(payment_of(id).at("status"), "failed");
  EXPECT_EQ(status_of(id), "placed");
  // The buyer tries again with the same intent, and pays.
  auto retry = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  EXPECT_EQ(text(retry.json().at("payment").at("intentId")), intent);
  ASSERT_EQ(deliver(stripe_.pay(intent)).status, 200);
  // A failure event that Stripe sends late, out of order.
  ASSERT_EQ(deliver(stripe_.event("payment_intent.payment_failed", intent)).status, 200);
  ASSERT_EQ(deliver(stripe_.event("payment_intent.canceled", intent)).status, 200);
  EXPECT_EQ(payment_of(id).at("status"), "succeeded");
  EXPECT_EQ(status_of(id), "paid");
}

TEST_P(PaymentsApi, CancellingAPaidOrder_RefundsItOnce_AndReturnsTheStock) {
  std::string id = text(order_of(3).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  ASSERT_EQ(deliver(stripe_.pay(intent)).status, 200);
  auto r = client_->request("POST", "/api/orders/" + id + "/cancel", "", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status"), "cancelled");
  EXPECT_EQ(r.json().at("payment").at("refund").at("status"), "succeeded");
  EXPECT_EQ(stripe_.intent(intent).refunds.size(), 1u);
  EXPECT_EQ(stock(mug_), 10);
  ASSERT_EQ(deliver(stripe_.event("charge.refunded", intent)).status, 200);
  EXPECT_EQ(payment_of(id).at("refund").at("status"), "succeeded");
  EXPECT_EQ(stripe_.intent(intent).refunds.size(), 1u);
}

// Refunds made in Stripe's dashboard: a whole one is recorded (a cancel then has nothing to give
// back); a part one is not taken for the whole, so a cancel still refunds the rest.
TEST_P(PaymentsApi, ARefundMadeAtStripe_IsRecordedWhenWhole_APartOneLeavesTheRestToACancel) {
  std::string whole = text(order_of(1).at("_id"));
  std::string whole_intent = text(payment_of(whole).at("intentId"));
  ASSERT_EQ(deliver(stripe_.pay(whole_intent)).status, 200);
  ASSERT_EQ(deliver(stripe_.refund_outside(whole_intent, 1250)).status, 200);
  EXPECT_EQ(payment_of(whole).at("refund").at("status"), "succeeded");
  ASSERT_EQ(client_->request("POST", "/api/orders/" + whole + "/cancel", "", alice_).status, 200);
  EXPECT_EQ(stripe_.intent(whole_intent).refunds.size(), 1u);  // the dashboard's, no other

  std::string part = text(order_of(2).at("_id"));
  std::string part_intent = text(payment_of(part).at("intentId"));
  ASSERT_EQ(deliver(stripe_.pay(part_intent)).status, 200);
  ASSERT_EQ(deliver(stripe_.refund_outside(part_intent, 500)).status, 200);
  EXPECT_FALSE(payment_of(part).as_object().contains("refund"));
  EXPECT_EQ(status_of(part), "paid");
  auto r = client_->request("POST", "/api/orders/" + part + "/cancel", "", alice_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("payment").at("refund").at("status"), "succeeded");
  EXPECT_EQ(stripe_.intent(part_intent).refunds.size(), 2u);
  EXPECT_EQ(stripe_.intent(part_intent).refunded, 2500);
}

TEST_P(PaymentsApi, CancellingAnUnpaidOrder_CancelsItsIntent_AndALateSuccessIsRefunded) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  ASSERT_EQ(client_->request("POST", "/api/orders/" + id + "/cancel", "", alice_).status, 200);
  EXPECT_EQ(stripe_.intent(intent).status, "canceled");
  EXPECT_EQ(payment_of(id).at("status"), "canceled");
  EXPECT_EQ(stripe_.intent(intent).refunds.size(), 0u);

  // Another order, paid at the provider while it was being cancelled here: the money goes back.
  std::string id2 = text(order_of(1).at("_id"));
  std::string intent2 = text(payment_of(id2).at("intentId"));
  std::string succeeded = stripe_.pay(intent2);
  ASSERT_EQ(client_->request("POST", "/api/orders/" + id2 + "/cancel", "", alice_).status, 200);
  EXPECT_EQ(status_of(id2), "cancelled");
  EXPECT_EQ(stripe_.intent(intent2).refunds.size(), 1u);
  ASSERT_EQ(deliver(succeeded).status, 200);  // the late webhook
  EXPECT_EQ(status_of(id2), "cancelled");
  EXPECT_EQ(stripe_.intent(intent2).refunds.size(), 1u);
}

TEST_P(PaymentsApi, ARepeatedCheckoutWithItsKey_AnswersTheSameIntent) {
  mug_ = product("Mug", 1250, 10);
  ASSERT_EQ(add(alice_, mug_, 1).status, 200);
  auto first = place(*client_, alice_, "{}", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201);
  auto again = place(*client_, alice_, "{}", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.json().at("order").at("payment").at("intentId"),
            first.json().at("order").at("payment").at("intentId"));
  EXPECT_EQ(stripe_.intents().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentsApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// Stripe slow to answer: the checkouts waiting for it run on a pool of their own, so they hold
// none of the (here two) workers that serve everything else.
class SlowProviderApi : public PaymentsApi {
 protected:
  Env more_env() const override { return {{"WORKER_THREADS", "2"}}; }
};

TEST_P(SlowProviderApi, CheckoutsWaitingForStripe_HoldNoneOfTheWorkers) {
  constexpr int kBuyers = 6;
  mug_ = product("Mug", 1250, 10);
  std::vector<Headers> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(user("buyer" + std::to_string(i) + "@example.com"));
    ASSERT_EQ(add(buyers.back(), mug_, 1).status, 200);
  }
  stripe_.set_delay(std::chrono::milliseconds(3000));
  std::vector<std::thread> checkouts;
  std::vector<int> statuses(kBuyers);
  for (int i = 0; i < kBuyers; ++i)
    checkouts.emplace_back([&, i] {
      HttpClient c(server_->port());
      statuses[i] = place(c, buyers[i]).status;
    });
  bool all_waiting = wait_until([&] { return stripe_.in_flight() == kBuyers; });
  int reached = stripe_.in_flight();
  // Meanwhile a request that needs a worker and the database is answered at once.
  auto mine = client_->get("/api/orders/my", alice_);
  int still_waiting = stripe_.in_flight();
  for (auto& t : checkouts)
    t.join();
  EXPECT_TRUE(all_waiting) << "only " << reached << " checkouts reached Stripe at once";
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(still_waiting, kBuyers) << "answered only after a checkout got Stripe's answer";
  for (int s : statuses)
    EXPECT_EQ(s, 201);
}

INSTANTIATE_TEST_SUITE_P(Backends, SlowProviderApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// The hold: an unpaid order is cancelled PAYMENT_HOLD_MINUTES after checkout, by the reconciler
// (here every second, with a hold of one minute that the fake clock jumps over).
class PaymentHoldApi : public PaymentsApi {
 protected:
  Env more_env() const override {
    return {{"PAYMENT_HOLD_MINUTES", "1"}, {"PAYMENT_RECONCILE_INTERVAL", "1"}};
  }
  // The order's status once it is no longer `from` (or `from` after 10 s).
  std::string wait_while(const std::string& order_id, const std::string& from) {
    std::string now = from;
    wait_until([&] { return (now = status_of(order_id)) != from; });
    return now;
  }
};

TEST_P(PaymentHoldApi, AnUnpaidOrderPastItsHold_IsCancelled_ItsIntentCanceled_ItsStockBack) {
  std::string id = text(order_of(2).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  EXPECT_EQ(stock(mug_), 8);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a run or two: within the hold
  EXPECT_EQ(status_of(id), "placed");
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(wait_while(id, "placed"), "cancelled");
  EXPECT_EQ(stripe_.intent(intent).status, "canceled");
  EXPECT_EQ(payment_of(id).at("status"), "canceled");
  EXPECT_EQ(stock(mug_), 10);
  EXPECT_EQ(stripe_.requests("GET /v1/payment_intents/:id"), 1);  // asked before cancelling
}

TEST_P(PaymentHoldApi, PaidAtTheProviderButItsWebhookLost_BecomesPaid_NotCancelled) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  stripe_.pay(intent);  // the event is never delivered
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(wait_while(id, "placed"), "paid");
  EXPECT_EQ(payment_of(id).at("status"), "succeeded");
  EXPECT_EQ(stock(mug_), 9);
  EXPECT_EQ(stripe_.intent(intent).refunds.size(), 0u);
}

TEST_P(PaymentHoldApi,
       TheHoldExpiringAsALateSuccessArrives_EndsPaidWithStock_OrCancelledAndRefunded) {
  for (int round = 0; round < 3; ++round) {
    std::string id = text(order_of(1).at("_id"));
    std::string intent = text(payment_of(id).at("intentId"));
    std::int64_t before = stock(mug_);
    std::string succeeded = stripe_.pay(intent);
    std::thread late([&] {
      HttpClient c(server_->port());
      EXPECT_EQ(deliver(c, succeeded).status, 200);
    });
    clock_.advance(std::chrono::seconds(61));
    late.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    std::string status = status_of(id);
    if (status == "paid") {
      EXPECT_EQ(stock(mug_), before);
      EXPECT_EQ(stripe_.intent(intent).refunds.size(), 0u);
    } else {
      EXPECT_EQ(status, "cancelled");
      EXPECT_EQ(stock(mug_), before + 1);
      EXPECT_EQ(stripe_.intent(intent).refunds.size(), 1u);
    }
  }
}

TEST_P(PaymentHoldApi, ACrashBetweenTheProviderCallAndItsRecord_IsRepaired_WithTheSameIntent) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  forget_intent(id);
  EXPECT_EQ(payment_of(id).at("intentId"), nullptr);
  // Past the hold: before cancelling, the reconciler learns the intent under the same key.
  clock_.advance(std::chrono::seconds(61));
  EXPECT_EQ(wait_while(id, "placed"), "cancelled");
  EXPECT_EQ(text(payment_of(id).at("intentId")), intent);
  EXPECT_EQ(stripe_.intents().size(), 1u);  // the same key gave the same intent back
  EXPECT_EQ(stripe_.intent(intent).status, "canceled");
}

// Two instances on one database, both with the reconciler. Stripe answers slowly, so a run over
// the expired orders outlasts its lease (three intervals) and the other instance takes the job
// over while the first is still at it: both work through the same orders at once. Each order is
// still settled once: the unpaid ones cancelled with their stock back once, the paid ones paid.
TEST_P(PaymentHoldApi, TwoInstancesRunningTheExpiryJobAtOnce_SettleEachOrderOnce) {
  auto second = another_server();
  constexpr int kOrders = 10;
  std::vector<std::string> ids, intents;
  for (int i = 0; i < kOrders; ++i) {
    ids.push_back(text(order_of(1).at("_id")));
    intents.push_back(text(payment_of(ids.back()).at("intentId")));
    if (i % 2 == 0) stripe_.pay(intents.back());  // paid, but its webhook is lost
  }
  ASSERT_EQ(stock(mug_), 0);
  stripe_.set_delay(std::chrono::milliseconds(400));
  clock_.advance(std::chrono::seconds(61));
  auto all_settled = [&] {
    return count("SELECT count(*) FROM orders WHERE status = 'placed'") == 0;
  };
  ASSERT_TRUE(wait_until(all_settled) || wait_until(all_settled));
  stripe_.set_delay(std::chrono::milliseconds(0));
  for (int i = 0; i < kOrders; ++i) {
    SCOPED_TRACE(ids[i]);
    EXPECT_EQ(status_of(ids[i]), i % 2 == 0 ? "paid" : "cancelled");
    EXPECT_EQ(stripe_.intent(intents[i]).status, i % 2 == 0 ? "succeeded" : "canceled");
    EXPECT_EQ(stripe_.intent(intents[i]).refunds.size(), 0u);
  }
  EXPECT_EQ(stock(mug_), kOrders / 2);  // the unpaid orders' units came back, once each
  // The running totals moved once per order too.
  EXPECT_EQ(count("SELECT COALESCE(SUM(paid), 0) FROM sales_hours"), kOrders / 2);
  EXPECT_EQ(count("SELECT COALESCE(SUM(cancelled), 0) FROM sales_hours"), kOrders / 2);
  EXPECT_EQ(count("SELECT COALESCE(SUM(placed), 0) FROM sales_hours"), 0);
  // Both instances were at it: some orders were asked about twice.
  EXPECT_GT(stripe_.requests("GET /v1/payment_intents/:id"), kOrders);
  for (const std::string& logs : {server_->logs(), second->logs()})
    EXPECT_THAT(logs, Not(HasSubstr("could not be settled")));
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentHoldApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// A payment never recorded (a crash after Stripe answered) is settled again by the reconciler,
// before the hold is over, with the same idempotency key: the same intent, not a second one.
class PaymentRepairApi : public PaymentsApi {
 protected:
  Env more_env() const override { return {{"PAYMENT_RECONCILE_INTERVAL", "1"}}; }
};

TEST_P(PaymentRepairApi, APaymentNeverRecorded_GetsItsIntentBack_AndTheOrderStaysPlaced) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  forget_intent(id);
  clock_.advance(std::chrono::seconds(61));
  std::string seen;
  wait_until(
      [&] { return (seen = boost::json::serialize(payment_of(id).at("intentId"))) != "null"; });
  EXPECT_EQ(seen, "\"" + intent + "\"");
  EXPECT_EQ(stripe_.intents().size(), 1u);
  EXPECT_EQ(status_of(id), "placed");
  EXPECT_GE(stripe_.replays(), 1);
}

// A buyer starting payment again on an old order (its intent was canceled): while that call
// waits for Stripe, the reconciler leaves the payment alone, as it was touched just now.
TEST_P(PaymentRepairApi, APaymentRestartedByItsBuyer_IsNotSettledAgainWhileItsCallIsInFlight) {
  std::string id = text(order_of(1).at("_id"));
  std::string intent = text(payment_of(id).at("intentId"));
  ASSERT_EQ(deliver(stripe_.event("payment_intent.canceled", intent)).status, 200);
  clock_.advance(std::chrono::seconds(61));  // placed more than a minute ago
  stripe_.set_answer_delay(std::chrono::milliseconds(2500));
  auto r = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  stripe_.set_answer_delay(std::chrono::milliseconds(0));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(text(r.json().at("payment").at("intentId")), intent);
  EXPECT_EQ(stripe_.intents().size(), 2u);
  EXPECT_EQ(stripe_.replays(), 0);  // no second call under the new attempt's key
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentRepairApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// Without a provider (the default, manual) nothing about orders changes, and there is nothing
// to pay online.
class ManualPaymentsApi : public ShopApi {};

TEST_P(ManualPaymentsApi, OrdersHaveNoPayment_AndThePaymentRoutesSaySo) {
  std::string mug = product("Mug", 1250, 10);
  ASSERT_EQ(add(alice_, mug, 1).status, 200);
  auto r = place(*client_, alice_);
  ASSERT_EQ(r.status, 201);
  EXPECT_THAT(r.body, Not(HasSubstr("payment")));
  std::string id(r.json().at("order").at("_id").as_string());
  auto pay = client_->request("POST", "/api/orders/" + id + "/payment", "", alice_);
  EXPECT_EQ(pay.status, 409);
  auto hook = client_->request("POST", "/api/payments/stripe/webhook", R"({"id":"evt_1"})",
                               {{"Content-Type", "application/json"}});
  EXPECT_EQ(hook.status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM payments"), 0);
}

class ManualHoldApi : public ShopApi {
 protected:
  Env extra_env() const override {
    return {{"MANUAL_HOLD_DAYS", "2"}, {"PAYMENT_RECONCILE_INTERVAL", "1"}};
  }
};

TEST_P(ManualHoldApi, WithManualHoldDays_AnOrderUnpaidThatLong_IsCancelled_APaidOneIsNot) {
  std::string mug = product("Mug", 1250, 10);
  ASSERT_EQ(add(alice_, mug, 3).status, 200);
  std::string unpaid(place(*client_, alice_).json().at("order").at("_id").as_string());
  ASSERT_EQ(add(bob_, mug, 1).status, 200);
  std::string paid(place(*client_, bob_).json().at("order").at("_id").as_string());
  ASSERT_EQ(
      client_->request("PATCH", "/api/orders/" + paid + "/status", R"({"status":"paid"})", admin_)
          .status,
      200);
  clock_.advance(std::chrono::hours(47));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(client_->get("/api/orders/" + unpaid, alice_).json().at("status"), "placed");
  clock_.advance(std::chrono::hours(2));
  std::string status;
  auto now = [&] {
    return std::string(
        client_->get("/api/orders/" + unpaid, alice_).json().at("status").as_string());
  };
  ASSERT_TRUE(wait_until([&] { return (status = now()) != "placed"; }));
  EXPECT_EQ(status, "cancelled");
  EXPECT_EQ(stock(mug), 9);
  EXPECT_EQ(client_->get("/api/orders/" + paid, bob_).json().at("status"), "paid");
}

INSTANTIATE_TEST_SUITE_P(Backends, ManualHoldApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, ManualPaymentsApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
