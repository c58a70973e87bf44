#include "http/session.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <iterator>

#include "core/text.hpp"
#include "core/thread_pool.hpp"
#include "http/body.hpp"
#include "http/pipeline.hpp"
#include "http/request_checks.hpp"
#include "http/response_writer.hpp"
#include "http/server.hpp"

namespace shop::http {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;

constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

Session::Session(tcp::socket socket, const SessionShared& shared)
    : socket_(std::move(socket)), shared_(shared) {
  shared_.open_sessions.fetch_add(1, std::memory_order_relaxed);
  error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) {
    auto addr = peer.address();
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
      addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
    peer_ip_ = addr.to_string();
  }
  socket_.set_option(tcp::no_delay(true), ec);
}

Session::~Session() {
  shared_.open_sessions.fetch_sub(1, std::memory_order_relaxed);
}

void Session::check_deadline(steady::time_point now) {
  if (state_ != State::closed && now >= deadline_) close();
}

void Session::begin_shutdown() {
  closing_ = true;
  if (state_ == State::idle) close();
}

void Session::read_request() {
  if (closing_) return close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(shared_.options.header_limit));
  // The parser checks Content-Length against this as the header completes; the limit that
  // fits the content type is set in check_header() before any body byte is parsed.
  parser_->body_limit(std::max(shared_.options.json_body_limit, shared_.options.upload_body_limit));
  header_checked_ = false;
  obs_fold_ = false;
  request_line_ended_ = false;
  head_.reset();
  head_ctx_.reset();
  if (buffer_.size() > 0) {
    state_ = State::reading_header;
    set_deadline(shared_.options.header_timeout);
    parse();
  } else {
    state_ = State::idle;
    set_deadline(shared_.options.idle_timeout);
    read_more();
  }
}

void Session::read_more() {
  auto space = buffer_.prepare(kReadChunk);
  socket_.async_read_some(
      space, [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void Session::on_read(error_code ec, std::size_t n) {
  if (state_ == State::closed) return;
  if (ec) return close();
  buffer_.commit(n);
  if (state_ == State::lingering) {
    buffer_.consume(buffer_.size());  // discard what the client still sends, then close
    return read_more();
  }
  if (state_ == State::idle) {
    state_ = State::reading_header;
    set_deadline(shared_.options.header_timeout);
  }
  parse();
}

void Session::parse() {
  while (buffer_.size() > 0 && !parser_->is_done()) {
    if (!parser_->got_some() && !skip_empty_lines()) break;
    error_code ec;
    bool in_header = !parser_->is_header_done();
    if (in_header && !request_line_ended_)
      request_line_ended_ = buffered().find("\r\n") != std::string_view::npos;
    std::size_t used = parser_->put(buffer_.data(), ec);
    // The parser consumes header bytes only whole lines (a folded one with its continuation)
    // at a time and stops at the end of the header, so each fold is within one `used` span.
    if (in_header && !obs_fold_) obs_fold_ = has_obs_fold(buffered().substr(0, used));
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec) return on_parse_error(ec);
    if (parser_->is_header_done() && !header_checked_) {
      header_checked_ = true;
      if (!check_header()) return;
      switch (plan_body()) {
        case BodyPlan::refused:
          return;
        case BodyPlan::answer_now:
          return dispatch();
        case BodyPlan::authorize_first:
          return authorize_then_read();
        case BodyPlan::read:
          break;
      }
      if (start_body()) return;
    }
  }
  if (parser_->is_done()) return dispatch();
  read_more();
}

bool Session::start_body() {
  state_ = State::reading_body;
  set_deadline(shared_.options.body_timeout);
  if (!parser_->is_done() && buffer_.size() == 0 && expects_continue()) {
    write_continue();
    return true;
  }
  return false;
}

std::string_view Session::buffered() const {
  auto data = buffer_.data();
  return {static_cast<const char*>(data.data()), data.size()};
}

bool Session::skip_empty_lines() {
  while (buffered().starts_with("\r\n"))
    buffer_.consume(2);
  return !buffered().empty() && buffered() != "\r";
}

bool Session::expects_continue() const {
  const auto& m = parser_->get();
  auto it = m.find(bhttp::field::expect);
  return it != m.end() && iequals(it->value(), "100-continue") && m.version() == 11;
}

void Session::write_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](error_code ec, std::size_t) {
                     if (self->state_ == State::closed) return;
                     if (ec) return self->close();
                     self->read_more();
                   });
}

bool Session::check_header() {
  const auto& m = parser_->get();
  header_fields_ = static_cast<std::size_t>(std::distance(m.begin(), m.end()));
  HeaderFacts facts;
  facts.method = m.method_string();
  facts.target = m.target();
  facts.version = m.version();
  facts.obs_fold = obs_fold_;
  facts.hosts = m.count(bhttp::field::host);
  if (facts.hosts > 0) facts.host = m[bhttp::field::host];
  facts.content_length = m.count(bhttp::field::content_length) > 0;
  for (const auto& f : m)
    if (f.name() == bhttp::field::transfer_encoding) facts.transfer_encodings.push_back(f.value());
  facts.chunked = parser_->chunked();
  if (auto refused = http::check_header(facts)) {
    reject(refused->code(), std::string(refused->public_message()));
    return false;
  }
  target_ = routing_target(m.target());
  return true;
}

Session::BodyPlan Session::plan_body() {
  const auto& m = parser_->get();
  head_.emplace(make_request_head());
  head_ctx_.emplace(make_context());
  shared_.pipeline.route(*head_, *head_ctx_);
  const Route* route = head_ctx_->route;
  const auto length = parser_->content_length();
  const bool chunked = parser_->chunked();
  const std::size_t small = shared_.options.json_body_limit;
  // A chunked body may be any size: it counts as large until read.
  const bool large = chunked || (length && *length > small);
  if (route == nullptr) return large ? BodyPlan::answer_now : limit_body(small);
  auto ct = m.find(bhttp::field::content_type);
  const bool upload = (route->bodies & static_cast<unsigned>(BodyKind::multipart)) != 0 &&
                      ct != m.end() && media_type(ct->value()) == "multipart/form-data";
  const std::size_t limit = upload ? shared_.options.upload_body_limit : small;
  if (length && *length > limit) {
    reject(ErrorCode::payload_too_large, "Request body too large");
    return BodyPlan::refused;
  }
  if (!upload || !large || route->access == Access::everyone) return limit_body(limit);
  // A large body for a route behind authentication: an obviously invalid caller is refused
  // now; the rest is decided on a worker (it reads the database) before the body is read.
  const BodyGate& gate = shared_.pipeline.body_gate();
  if (!gate.authorize) return limit_body(small);  // nobody to check the caller: no large body
  try {
    if (gate.check_credentials) gate.check_credentials(*head_);
  } catch (const Error& e) {
    reject(e.code(), std::string(e.public_message()));
    return BodyPlan::refused;
  }
  parser_->body_limit(limit);
  return BodyPlan::authorize_first;
}

Session::BodyPlan Session::limit_body(std::size_t limit) {
  parser_->body_limit(limit);
  return BodyPlan::read;
}

void Session::authorize_then_read() {
  state_ = State::processing;
  deadline_ = steady::time_point::max();
  auto check = std::make_shared<UploadCheck>(UploadCheck{*head_, *head_ctx_, std::nullopt});
  auto self = shared_from_this();
  bool queued = shared_.workers.try_post([self, check] {
    try {
      self->shared_.pipeline.body_gate().authorize(check->head, check->ctx);
    } catch (const Error& e) {
      check->refused = e;
    } catch (const std::exception& e) {
      self->shared_.log.error("authorizing an upload failed: {}", e.what());
      check->refused = Error(ErrorCode::unavailable, "Server is busy, try again");
    }
    net::post(self->socket_.get_executor(), [self, check] { self->on_authorized(*check); });
  });
  if (!queued) reject(ErrorCode::unavailable, "Server is busy, try again");
}

void Session::on_authorized(UploadCheck& check) {
  if (state_ == State::closed) return;
  if (check.refused)
    return reject(check.refused->code(), std::string(check.refused->public_message()));
  head_ctx_->user = std::move(check.ctx.user);
  if (start_body()) return;
  parse();
}

void Session::on_parse_error(error_code ec) {
  if (ec == bhttp::error::header_limit) {
    // RFC 9112 §3: a request-target longer than shopd parses is a 414; the request line did
    // not even end within the limit.
    if (!request_line_ended_) return reject(ErrorCode::uri_too_long, "Request target too long");
    return reject(ErrorCode::headers_too_large, "Request header fields too large");
  }
  if (ec == bhttp::error::body_limit)
    return reject(ErrorCode::payload_too_large, "Request body too large");
  reject(ErrorCode::invalid_input, "Bad request");
}

Request Session::make_request_head() {
  auto& m = parser_->get();
  Request req;
  req.method_text = std::string(m.method_string());
  req.method = parse_method(req.method_text);
  req.target = target_;
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.version = m.version();
  // Fields after the first header_fields_ come in a chunked trailer: RFC 9112 §7.1.2 forbids
  // merging them into the header, and shopd has no use for them.
  auto end = std::next(m.begin(), static_cast<std::ptrdiff_t>(header_fields_));
  for (auto f = m.begin(); f != end; ++f)
    req.headers.add(std::string(f->name_string()), std::string(f->value()));
  return req;
}

RequestContext Session::make_context() const {
  RequestContext ctx;
  ctx.client_ip = peer_ip_;
  ctx.started = steady::now();
  return ctx;
}

void Session::reject(ErrorCode code, std::string message) {
  Request req;
  if (parser_ && parser_->is_header_done()) {
    req.method_text = std::string(parser_->get().method_string());
    req.target = std::string(parser_->get().target());
    req.path = req.target.substr(0, req.target.find('?'));
  } else {
    // Nothing usable was parsed; logs show "-" (assign(1, c) dodges a GCC 12 -Wrestrict bug).
    req.method_text.assign(1, '-');
    req.path.assign(1, '-');
  }
  RequestContext ctx = make_context();
  ctx.rejection = Error(code, std::move(message));
  Response r = shared_.pipeline.handle(req, ctx);
  send(std::move(r), false, false, 11);
}

void Session::dispatch() {
  state_ = State::processing;
  deadline_ = steady::time_point::max();
  bool keep_alive = parser_->get().keep_alive();
  struct Job {
    Request req;
    RequestContext ctx;
  };
  // Routed (and for uploads authorized) when the header came in; the body is what was read.
  auto job = std::make_shared<Job>(Job{std::move(*head_), std::move(*head_ctx_)});
  head_.reset();
  head_ctx_.reset();
  job->req.body = std::move(parser_->get().body());
  job->ctx.started = steady::now();
  bool head = job->req.method == Method::head;
  unsigned version = job->req.version;
  if (shared_.pipeline.execution_for(job->req, job->ctx) == Execution::io_thread) {
    Response r = shared_.pipeline.handle(job->req, job->ctx);
    return send(std::move(r), head, keep_alive, version);
  }
  auto self = shared_from_this();
  ThreadPool& pool = job->ctx.route != nullptr && job->ctx.route->pool != nullptr
                         ? *job->ctx.route->pool
                         : shared_.workers;
  bool queued = pool.try_post([self, job, head, keep_alive, version] {
    Response r = self->shared_.pipeline.handle(job->req, job->ctx);
    net::post(self->socket_.get_executor(),
              [self, r = std::move(r), head, keep_alive, version]() mutable {
                self->send(std::move(r), head, keep_alive, version);
              });
  });
  if (!queued) {
    job->ctx.route = nullptr;
    job->ctx.rejection = Error(ErrorCode::unavailable, "Server is busy, try again");
    Response r = shared_.pipeline.handle(job->req, job->ctx);
    send(std::move(r), head, keep_alive, version);
  }
}

void Session::send(Response r, bool head, bool keep_alive, unsigned version) {
  if (state_ == State::closed) return;
  // A request whose body was not read leaves the stream out of sync: close after answering.
  bool request_complete = parser_ && parser_->is_done();
  keep_alive_ = keep_alive && !r.close && !closing_ && request_complete &&
                !shared_.stopping.load(std::memory_order_relaxed);
  out_ = serialize(r, head, keep_alive_, version);
  state_ = State::writing;
  set_deadline(shared_.options.write_timeout);
  net::async_write(socket_, net::buffer(out_),
                   [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
}

void Session::on_write(error_code ec) {
  if (state_ == State::closed) return;
  if (ec) return close();
  out_.clear();
  if (keep_alive_) return read_request();
  linger();
}

void Session::linger() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  state_ = State::lingering;
  set_deadline(kLingerTime);
  buffer_.consume(buffer_.size());
  read_more();
}

void Session::close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace shop::http
