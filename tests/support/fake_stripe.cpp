#include "fake_stripe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sstream>
#include <stdexcept>

namespace shop::test {
namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// application/x-www-form-urlencoded → fields; throws on a field without '='.
std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) throw std::invalid_argument("not form encoded");
    out[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
  }
  return out;
}

std::string error_json(const std::string& type, const std::string& code, const std::string& message,
                       const std::string& intent = "") {
  std::string out =
      R"({"error":{"type":")" + type + R"(","code":")" + code + R"(","message":")" + message + "\"";
  if (!intent.empty()) out += R"(,"payment_intent":)" + intent;
  return out + "}}";
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

FakeStripe::FakeStripe(std::uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 1024) != 0)
    throw std::runtime_error("fake Stripe could not listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { serve(); });
}

FakeStripe::~FakeStripe() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  std::unique_lock lock(mutex_);
  for (int fd : open_)
    ::shutdown(fd, SHUT_RDWR);  // a client's idle keep-alive connection ends its thread
  idle_.wait(lock, [this] { return open_.empty(); });
}

void FakeStripe::serve() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      open_.insert(fd);
      ++accepted_;
    }
    // Detached, so that a long load does not keep a finished thread per connection; the
    // destructor ends the open connections and waits for their threads.
    std::thread([this, fd] {
      handle(fd);
      std::lock_guard lock(mutex_);
      ::close(fd);
      open_.erase(fd);
      if (open_.empty()) idle_.notify_all();
    }).detach();
  }
}

void FakeStripe::handle(int fd) {
  // Requests one after another on the connection (keep-alive, as Stripe's API does) until the
  // client closes it or sends Connection: close.
  std::string data;
  char buf[4096];
  while (true) {
    std::size_t header_end = std::string::npos;
    std::size_t length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string head = lower(data.substr(0, header_end));
          if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos)
            length = std::stoul(head.substr(at + 17));
        }
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
    }
    std::istringstream head(data.substr(0, header_end));
    std::string method, target, version, line;
    head >> method >> target >> version;
    std::getline(head, line);
    std::map<std::string, std::string> headers;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
      headers[lower(line.substr(0, colon))] = value;
    }
    std::string body = data.substr(header_end + 4, length);
    data.erase(0, header_end + 4 + length);
    bool down;
    std::chrono::milliseconds delay;
    std::chrono::milliseconds answer_delay;
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
      down = down_;
      delay = delay_;
      answer_delay = answer_delay_;
    }
    auto answered = [this] {
      std::lock_guard lock(mutex_);
      --in_flight_;
    };
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (down) {
      answered();
      return;
    }
    Answer a = answer(method, target, headers, body);
    if (answer_delay.count() > 0) std::this_thread::sleep_for(answer_delay);
    bool close = lower(headers["connection"]) == "close";
    std::string out =
        "HTTP/1.1 " + std::to_string(a.status) +
        " X\r\nContent-Type: application/json\r\nConnection: " + (close ? "close" : "keep-alive") +
        "\r\nContent-Length: " + std::to_string(a.body.size()) + "\r\n\r\n" + a.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    answered();
    if (close || sent < out.size()) return;
  }
}

FakeStripe::Answer FakeStripe::answer(const std::string& method, const std::string& path,
                                      const std::map<std::string, std::string>& headers,
                                      const std::string& body) {
  std::lock_guard lock(mutex_);
  // "POST /v1/payment_intents/pi_3/cancel" counts as "POST /v1/payment_intents/:id/cancel".
  std::string route = method + " ";
  std::vector<std::string> parts;
  {
    std::string part;
    std::istringstream in(path);
    while (std::getline(in, part, '/'))
      if (!part.empty()) parts.push_back(part);
  }
  for (std::size_t i = 0; i < parts.size(); ++i)
    route += "/" + (i == 2 ? std::string(":id") : parts[i]);
  ++requests_[route];
  if (fail_left_ > 0) {
    --fail_left_;
    return {fail_status_, error_json("api_error", "", "The fake is failing")};
  }
  auto auth = headers.find("authorization");
  if (auth == headers.end() || auth->second != std::string("Bearer ") + kSecretKey)
    return {401, error_json("invalid_request_error", "", "Invalid API Key provided")};
  std::map<std::string, std::string> form;
  std::string key;
  if (method == "POST") {
    auto type = headers.find("content-type");
    if (type == headers.end() || type->second != "application/x-www-form-urlencoded")
      return {400, error_json("invalid_request_error", "", "Use form encoding")};
    auto k = headers.find("idempotency-key");
    if (k == headers.end() || k->second.empty())
      return {400, error_json("invalid_request_error", "", "An Idempotency-Key is required here")};
    key = k->second;
    try {
      form = parse_form(body);
    } catch (const std::exception&) {
      return {400, error_json("invalid_request_error", "", "The body is not form encoded")};
    }
    if (auto seen = idempotent_.find(key); seen != idempotent_.end()) {
      if (seen->second.first != body)
        return {400, error_json("idempotency_error", "",
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with")};
      ++replays_;
      return seen->second.second;
    }
  }
  auto remember = [&](Answer a) {
    if (method == "POST" && a.status < 500) idempotent_[key] = {body, a};
    return a;
  };
  auto find = [&](const std::string& id) -> Intent* {
    auto it = intents_.find(id);
    return it == intents_.end() ? nullptr : &it->second;
  };
  if (method == "POST" && parts.size() == 2 && parts[1] == "payment_intents") {
    Intent i;
    i.id = "pi_fake" + std::to_string(++next_id_);
    i.client_secret = i.id + "_secret_" + std::to_string(next_id_ * 7919);
    i.status = "requires_payment_method";
    try {
      i.amount = std::stoll(form.at("amount"));
    } catch (const std::exception&) {
      return remember({400, error_json("invalid_request_error", "parameter_missing", "amount")});
    }
    i.currency = form["currency"];
    i.order_id = form["metadata[order_id]"];
    i.capture_method = form.count("capture_method") ? form["capture_method"] : "automatic";
    if (i.amount < 1 || i.currency.size() != 3)
      return remember({400, error_json("invalid_request_error", "amount_too_small", "amount")});
    intents_[i.id] = i;
    return remember({200, intent_json(i)});
  }
  if (parts.size() >= 3 && parts[1] == "payment_intents") {
    Intent* i = find(parts[2]);
    if (i == nullptr)
      return remember(
          {404, error_json("invalid_request_error", "resource_missing", "No such intent")});
    if (method == "GET" && parts.size() == 3) return {200, intent_json(*i)};
    if (method == "POST" && parts.size() == 4 && parts[3] == "cancel") {
      if (i->status == "succeeded" || i->status == "canceled")
        return remember({400, error_json("invalid_request_error", "payment_intent_unexpected_state",
                                         "You cannot cancel this PaymentIntent because it has a "
                                         "status of " +
                                             i->status,
                                         intent_json(*i))});
      i->status = "canceled";
      return remember({200, intent_json(*i)});
    }
    if (method == "POST" && parts.size() == 4 && parts[3] == "capture") {
      if (i->status != "requires_capture")
        return remember(
            {400, error_json("invalid_request_error", "payment_intent_unexpected_state",
                             "This PaymentIntent could not be captured", intent_json(*i))});
      i->status = "succeeded";
      return remember({200, intent_json(*i)});
    }
  }
  if (method == "POST" && parts.size() == 2 && parts[1] == "refunds") {
    Intent* i = find(form["payment_intent"]);
    if (i == nullptr || i->status != "succeeded")
      return remember({400, error_json("invalid_request_error", "charge_not_refundable",
                                       "This payment cannot be refunded")});
    if (i->refunded >= i->amount)
      return remember({400, error_json("invalid_request_error", "charge_already_refunded",
                                       "This charge has already been refunded")});
    std::string id = "re_fake" + std::to_string(++next_id_);
    i->refunds.push_back(id);
    i->refunded = i->amount;  // no amount: the rest
    return remember({200, R"({"id":")" + id +
                              R"(","object":"refund","status":"succeeded",)"
                              R"("payment_intent":")" +
                              i->id + "\"}"});
  }
  return {404, error_json("invalid_request_error", "", "Unrecognized request URL")};
}

std::string FakeStripe::intent_json(const Intent& i) const {
  boost::json::object o;
  o["id"] = i.id;
  o["object"] = "payment_intent";
  o["status"] = i.status;
  o["client_secret"] = i.client_secret;
  o["amount"] = i.amount;
  o["currency"] = i.currency;
  o["capture_method"] = i.capture_method;
  o["metadata"] = boost::json::object{{"order_id", i.order_id}};
  return boost::json::serialize(o);
}

void FakeStripe::fail_next(int n, int status) {
  std::lock_guard lock(mutex_);
  fail_left_ = n;
  fail_status_ = status;
}

void FakeStripe::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  delay_ = delay;
}

int FakeStripe::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

int FakeStripe::connections() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

void FakeStripe::set_answer_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  answer_delay_ = delay;
}

void FakeStripe::set_down(bool down) {
  std::lock_guard lock(mutex_);
  down_ = down;
}

std::string FakeStripe::pay(const std::string& intent_id) {
  std::string type;
  {
    std::lock_guard lock(mutex_);
    Intent& i = intents_.at(intent_id);
    bool manual = i.capture_method == "manual";
    i.status = manual ? "requires_capture" : "succeeded";
    type = manual ? "payment_intent.amount_capturable_updated" : "payment_intent.succeeded";
  }
  return event(type, intent_id);
}

std::string FakeStripe::decline(const std::string& intent_id) {
  {
    std::lock_guard lock(mutex_);
    intents_.at(intent_id).status = "requires_payment_method";
  }
  return event("payment_intent.payment_failed", intent_id);
}

std::string FakeStripe::refund_outside(const std::string& intent_id, std::int64_t amount) {
  {
    std::lock_guard lock(mutex_);
    Intent& i = intents_.at(intent_id);
    i.refunds.push_back("re_fake" + std::to_string(++next_id_));
    i.refunded += amount;
  }
  return event("charge.refunded", intent_id);
}

std::string FakeStripe::event(const std::string& type, const std::string& intent_id) {
  std::lock_guard lock(mutex_);
  const Intent& i = intents_.at(intent_id);
  std::string object = intent_json(i);
  if (type.starts_with("charge.")) {
    boost::json::object charge{{"id", "ch_fake" + std::to_string(++next_id_)},
                               {"object", "charge"},
                               {"amount", i.amount},
                               {"amount_refunded", i.refunded},
                               {"refunded", i.refunded >= i.amount},
                               {"payment_intent", i.id}};
    object = boost::json::serialize(charge);
  }
  return R"({"id":"evt_fake)" + std::to_string(++next_id_) + R"(","object":"event","type":")" +
         type + R"(","data":{"object":)" + object + "}}";
}

FakeStripe::Intent FakeStripe::intent(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return intents_.at(id);
}

std::vector<FakeStripe::Intent> FakeStripe::intents() const {
  std::lock_guard lock(mutex_);
  std::vector<Intent> out;
  for (const auto& [id, i] : intents_)
    out.push_back(i);
  return out;
}

int FakeStripe::requests(const std::string& route) const {
  std::lock_guard lock(mutex_);
  auto it = requests_.find(route);
  return it == requests_.end() ? 0 : it->second;
}

int FakeStripe::replays() const {
  std::lock_guard lock(mutex_);
  return replays_;
}

}  // namespace shop::test
