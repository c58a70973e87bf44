#include "http/server.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <ctime>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "core/text.hpp"
#include "core/thread_pool.hpp"
#include "http/body.hpp"
#include "http/pipeline.hpp"

namespace shop::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::size_t kReadChunk = 16 * 1024;

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

// The Date header value, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t last = 0;
  thread_local char text[40] = {};
  std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    last = now;
  }
  return text;
}

bool has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

// Header values come from our own code, but a CR or LF would split the response: drop them.
void append_header_value(std::string& out, std::string_view v) {
  if (v.find_first_of("\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  for (char c : v)
    if (c != '\r' && c != '\n') out.push_back(c);
}

std::string serialize(const Response& r, bool head_request, bool keep_alive, unsigned version) {
  std::string out;
  out.reserve(320 + r.headers.fields().size() * 48 + (head_request ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\nDate: ";
  out += http_date();
  out += "\r\n";
  for (const auto& [name, value] : r.headers.fields()) {
    out += name;
    out += ": ";
    append_header_value(out, value);
    out += "\r\n";
  }
  out += r.fixed_headers;
  if (has_body(r.status)) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (version == 10)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head_request && has_body(r.status)) out += r.body;
  return out;
}

// RFC 9112 §5.2: a header line that starts with SP or HTAB continues the line before it
// (obs-fold). Beast joins such lines with a space; shopd refuses them instead.
bool has_obs_fold(std::string_view header_bytes) {
  for (auto at = header_bytes.find('\n'); at != std::string_view::npos;
       at = header_bytes.find('\n', at + 1)) {
    if (at + 1 < header_bytes.size() &&
        (header_bytes[at + 1] == ' ' || header_bytes[at + 1] == '\t'))
      return true;
  }
  return false;
}

// RFC 9110 §7.2 with RFC 3986 §3.2.2: Host = uri-host [ ":" port ]; uri-host is an IP literal
// in brackets or a reg-name (which covers IPv4 addresses). Empty is valid.
bool valid_host(std::string_view v) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  auto hex = [&](char c) { return alnum(c) && (c <= '9' || (c | 0x20) <= 'f'); };
  auto name_char = [&](char c) {  // unreserved or sub-delims
    return alnum(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
  };
  std::string_view port;
  if (v.starts_with('[')) {
    auto end = v.find(']');
    if (end == std::string_view::npos || end == 1) return false;
    for (char c : v.substr(1, end - 1))
      if (!name_char(c) && c != ':') return false;  // IPv6address or IPvFuture
    v.remove_prefix(end + 1);
    if (!v.empty() && v.front() != ':') return false;
    if (!v.empty()) port = v.substr(1);
  } else {
    auto colon = v.find(':');
    if (colon != std::string_view::npos) port = v.substr(colon + 1);
    std::string_view name = v.substr(0, colon);
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] != '%') {
        if (!name_char(name[i])) return false;
      } else if (i + 2 >= name.size() || !hex(name[i + 1]) || !hex(name[i + 2])) {
        return false;
      } else {
        i += 2;
      }
    }
  }
  return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 9112 §3.2: the path and query that routing works on. The absolute-form
// ("http://host/path?query", which a server MUST accept, §3.2.2) is reduced to them; nullopt
// when the target is in neither form.
std::optional<std::string> origin_form(std::string_view target) {
  if (target.starts_with('/')) return std::string(target);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme))
      continue;
    auto rest = target.substr(scheme.size());
    auto path = rest.find_first_of("/?");
    auto authority = rest.substr(0, path);
    if (authority.empty() || !valid_host(authority)) return std::nullopt;  // RFC 9110 §4.2
    if (path == std::string_view::npos) return std::string("/");
    std::string origin(rest.substr(path));
    if (origin.front() == '?') origin.insert(0, 1, '/');
    return origin;
  }
  return std::nullopt;
}

// False when a Transfer-Encoding field lists a coding other than chunked, which shopd does
// not decode (RFC 9112 §6.1: answer 501).
bool only_chunked_coding(const bhttp::fields& m) {
  for (const auto& f : m) {
    if (f.name() != bhttp::field::transfer_encoding) continue;
    std::string_view list = f.value();
    while (!list.empty()) {
      auto comma = list.find(',');
      auto coding = trim_whitespace(list.substr(0, comma));
      if (!coding.empty() && !iequals(coding, "chunked")) return false;
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return true;
}

}  // namespace

class Session;

// One I/O thread: its io_context, acceptor and the sessions it serves.
struct IoWorker {
  explicit IoWorker() : ioc(1), sweeper(ioc) {}
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer sweeper;
  std::vector<std::weak_ptr<Session>> sessions;
  std::thread thread;
};

struct Server::Impl {
  Impl(ServerOptions o, const Pipeline& p, ThreadPool& w, spdlog::logger& l)
      : options(std::move(o)), pipeline(p), workers(w), log(l) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ThreadPool& workers;
  spdlog::logger& log;
  std::vector<std::unique_ptr<IoWorker>> io;
  std::optional<net::signal_set> signals;
  bool handle_signals = false;
  std::uint16_t port = 0;
  std::atomic<std::size_t> open_sessions{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable stop_requested;
  bool started = false;
  bool joined = false;

  void accept(IoWorker& w);
  void sweep(IoWorker& w);
  void stop_io();
};

// One connection: reads a request, runs it (here or on a worker), writes the answer, repeats.
// Every member is touched only on the connection's I/O thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : socket_(std::move(socket)), server_(server) {
    server_.open_sessions.fetch_add(1, std::memory_order_relaxed);
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
  ~Session() { server_.open_sessions.fetch_sub(1, std::memory_order_relaxed); }

  void start() { read_request(); }

  // Called about once a second: closes the connection when its current phase ran out of time.
  void check_deadline(steady::time_point now) {
    if (state_ != State::closed && now >= deadline_) close();
  }

  // Graceful shutdown: idle connections close now, busy ones after their current response.
  void begin_shutdown() {
    closing_ = true;
    if (state_ == State::idle) close();
  }

 private:
  enum class State { idle, reading_header, reading_body, processing, writing, lingering, closed };

  void set_deadline(std::chrono::milliseconds d) { deadline_ = steady::now() + d; }

  void read_request() {
    if (closing_) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // The parser checks Content-Length against this as the header completes; the limit that
    // fits the content type is set in check_header() before any body byte is parsed.
    parser_->body_limit(
        std::max(server_.options.json_body_limit, server_.options.upload_body_limit));
    header_checked_ = false;
    obs_fold_ = false;
    request_line_ended_ = false;
    head_.reset();
    head_ctx_.reset();
    if (buffer_.size() > 0) {
      state_ = State::reading_header;
      set_deadline(server_.options.header_timeout);
      parse();
    } else {
      state_ = State::idle;
      set_deadline(server_.options.idle_timeout);
      read_more();
    }
  }

  void read_more() {
    auto space = buffer_.prepare(kReadChunk);
    socket_.async_read_some(
        space, [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    if (state_ == State::closed) return;
    if (ec) return close();
    buffer_.commit(n);
    if (state_ == State::lingering) {
      buffer_.consume(buffer_.size());  // discard what the client still sends, then close
      return read_more();
    }
    if (state_ == State::idle) {
      state_ = State::reading_header;
      set_deadline(server_.options.header_timeout);
    }
    parse();
  }

  // Feeds buffered bytes to the parser until it needs more, fails, or has a whole request.
  void parse() {
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

  // The body may come: its timer starts. True when the parse loop must stop here (a 100 Continue
  // is being written, after which reading goes on).
  bool start_body() {
    state_ = State::reading_body;
    set_deadline(server_.options.body_timeout);
    if (!parser_->is_done() && buffer_.size() == 0 && expects_continue()) {
      write_continue();
      return true;
    }
    return false;
  }

  std::string_view buffered() const {
    auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  // RFC 9112 §2.2: empty lines before a request-line are ignored. False while nothing else is
  // buffered yet.
  bool skip_empty_lines() {
    while (buffered().starts_with("\r\n"))
      buffer_.consume(2);
    return !buffered().empty() && buffered() != "\r";
  }

  bool expects_continue() const {
    const auto& m = parser_->get();
    auto it = m.find(bhttp::field::expect);
    return it != m.end() && iequals(it->value(), "100-continue") && m.version() == 11;
  }

  void write_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (self->state_ == State::closed) return;
                       if (ec) return self->close();
                       self->read_more();
                     });
  }

  // Framing rules the parser leaves to us; false when the request was refused.
  bool check_header() {
    const auto& m = parser_->get();
    header_fields_ = static_cast<std::size_t>(std::distance(m.begin(), m.end()));
    if (obs_fold_) {
      reject(ErrorCode::invalid_input, "Obsolete line folding in a header");
      return false;
    }
    // RFC 9112 §3.2: no Host in HTTP/1.1, several, or an invalid one are all a 400.
    std::size_t hosts = m.count(bhttp::field::host);
    if (hosts > 1 || (hosts == 0 && m.version() == 11)) {
      reject(ErrorCode::invalid_input, hosts > 1 ? "Duplicate Host header" : "Missing Host header");
      return false;
    }
    if (hosts == 1 && !valid_host(m[bhttp::field::host])) {
      reject(ErrorCode::invalid_input, "Invalid Host header");
      return false;
    }
    // OPTIONS * (asterisk-form) and CONNECT (authority-form) get the router's usual answers.
    auto origin = origin_form(m.target());
    bool asterisk = m.target() == "*" && m.method() == bhttp::verb::options;
    if (!origin && !asterisk && m.method() != bhttp::verb::connect) {
      reject(ErrorCode::invalid_input, "Invalid request target");
      return false;
    }
    target_ = origin ? std::move(*origin) : std::string(m.target());
    // RFC 9112 §6.1 and §6.3: with Content-Length, not ending in chunked, or in an HTTP/1.0
    // request, Transfer-Encoding leaves the framing in doubt.
    bool has_te = m.count(bhttp::field::transfer_encoding) > 0;
    bool has_cl = m.count(bhttp::field::content_length) > 0;
    if (has_te && (has_cl || !parser_->chunked() || m.version() < 11)) {
      reject(ErrorCode::invalid_input, "Invalid Transfer-Encoding");
      return false;
    }
    if (has_te && !only_chunked_coding(m)) {
      reject(ErrorCode::not_implemented, "Transfer coding not implemented");
      return false;
    }
    return true;
  }

  enum class BodyPlan { read, answer_now, authorize_first, refused };

  // Routes the request before a byte of its body is read, and decides how much of a body it may
  // have and whether to read it at all: a 404 or 405 is answered at once, and only a caller
  // allowed to use a route that takes uploads gets more than json_body_limit.
  BodyPlan plan_body() {
    const auto& m = parser_->get();
    head_.emplace(make_request_head());
    head_ctx_.emplace(make_context());
    server_.pipeline.route(*head_, *head_ctx_);
    const Route* route = head_ctx_->route;
    const auto length = parser_->content_length();
    const bool chunked = parser_->chunked();
    const std::size_t small = server_.options.json_body_limit;
    // A chunked body may be any size: it counts as large until read.
    const bool large = chunked || (length && *length > small);
    if (route == nullptr) return large ? BodyPlan::answer_now : limit_body(small);
    auto ct = m.find(bhttp::field::content_type);
    const bool upload = (route->bodies & static_cast<unsigned>(BodyKind::multipart)) != 0 &&
                        ct != m.end() && media_type(ct->value()) == "multipart/form-data";
    const std::size_t limit = upload ? server_.options.upload_body_limit : small;
    if (length && *length > limit) {
      reject(ErrorCode::payload_too_large, "Request body too large");
      return BodyPlan::refused;
    }
    if (!upload || !large || route->access == Access::everyone) return limit_body(limit);
    // A large body for a route behind authentication: an obviously invalid caller is refused
    // now; the rest is decided on a worker (it reads the database) before the body is read.
    const BodyGate& gate = server_.pipeline.body_gate();
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

  BodyPlan limit_body(std::size_t limit) {
    parser_->body_limit(limit);
    return BodyPlan::read;
  }

  // Runs the body gate on a worker, then, back on this connection's thread, reads the body or
  // answers the refusal without reading it.
  void authorize_then_read() {
    state_ = State::processing;
    deadline_ = steady::time_point::max();
    struct Check {
      Request head;
      RequestContext ctx;
      std::optional<Error> refused;
    };
    auto check = std::make_shared<Check>(Check{*head_, *head_ctx_, std::nullopt});
    auto self = shared_from_this();
    bool queued = server_.workers.try_post([self, check] {
      try {
        self->server_.pipeline.body_gate().authorize(check->head, check->ctx);
      } catch (const Error& e) {
        check->refused = e;
      } catch (const std::exception& e) {
        self->server_.log.error("authorizing an upload failed: {}", e.what());
        check->refused = Error(ErrorCode::unavailable, "Server is busy, try again");
      }
      net::post(self->socket_.get_executor(), [self, check] { self->on_authorized(*check); });
    });
    if (!queued) reject(ErrorCode::unavailable, "Server is busy, try again");
  }

  template <class Check>
  void on_authorized(Check& check) {
    if (state_ == State::closed) return;
    if (check.refused)
      return reject(check.refused->code(), std::string(check.refused->public_message()));
    head_ctx_->user = std::move(check.ctx.user);
    if (start_body()) return;
    parse();
  }

  void on_parse_error(error_code ec) {
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

  // The request line and header fields (no body yet).
  Request make_request_head() {
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

  RequestContext make_context() const {
    RequestContext ctx;
    ctx.client_ip = peer_ip_;
    ctx.started = steady::now();
    return ctx;
  }

  // A request the server cannot accept: answered through the pipeline (so it carries the usual
  // headers and is logged), then the connection closes.
  void reject(ErrorCode code, std::string message) {
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
    Response r = server_.pipeline.handle(req, ctx);
    send(std::move(r), false, false, 11);
  }

  void dispatch() {
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
    if (server_.pipeline.execution_for(job->req, job->ctx) == Execution::io_thread) {
      Response r = server_.pipeline.handle(job->req, job->ctx);
      return send(std::move(r), head, keep_alive, version);
    }
    auto self = shared_from_this();
    ThreadPool& pool = job->ctx.route != nullptr && job->ctx.route->pool != nullptr
                           ? *job->ctx.route->pool
                           : server_.workers;
    bool queued = pool.try_post([self, job, head, keep_alive, version] {
      Response r = self->server_.pipeline.handle(job->req, job->ctx);
      net::post(self->socket_.get_executor(),
                [self, r = std::move(r), head, keep_alive, version]() mutable {
                  self->send(std::move(r), head, keep_alive, version);
                });
    });
    if (!queued) {
      job->ctx.route = nullptr;
      job->ctx.rejection = Error(ErrorCode::unavailable, "Server is busy, try again");
      Response r = server_.pipeline.handle(job->req, job->ctx);
      send(std::move(r), head, keep_alive, version);
    }
  }

  void send(Response r, bool head, bool keep_alive, unsigned version) {
    if (state_ == State::closed) return;
    // A request whose body was not read leaves the stream out of sync: close after answering.
    bool request_complete = parser_ && parser_->is_done();
    keep_alive_ = keep_alive && !r.close && !closing_ && request_complete &&
                  !server_.stopping.load(std::memory_order_relaxed);
    out_ = serialize(r, head, keep_alive_, version);
    state_ = State::writing;
    set_deadline(server_.options.write_timeout);
    net::async_write(
        socket_, net::buffer(out_),
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (state_ == State::closed) return;
    if (ec) return close();
    out_.clear();
    if (keep_alive_) return read_request();
    linger();
  }

  // Half-close and drain what the client still sends, so a response is not destroyed by a
  // reset when unread request bytes remain.
  void linger() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    state_ = State::lingering;
    set_deadline(kLingerTime);
    buffer_.consume(buffer_.size());
    read_more();
  }

  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  Server::Impl& server_;
  std::string peer_ip_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool header_checked_ = false;
  bool obs_fold_ = false;            // the header so far has a folded line
  bool request_line_ended_ = false;  // its CRLF was seen (a header over the limit is then a 431)
  std::size_t header_fields_ = 0;    // fields in the header, before any trailer
  std::string target_;               // the request target in origin-form, for routing
  std::optional<Request> head_;      // the request without its body, once routed
  std::optional<RequestContext> head_ctx_;  // its context: the route, an authorized caller
  bool keep_alive_ = true;
  bool closing_ = false;
  State state_ = State::idle;
  steady::time_point deadline_ = steady::time_point::max();
  std::string out_;
};

void Server::Impl::accept(IoWorker& w) {
  w.acceptor->async_accept([this, &w](error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors or similar: back off instead of spinning.
      log.warn("accept failed: {}", ec.message());
      auto timer = std::make_shared<net::steady_timer>(w.ioc, std::chrono::milliseconds(100));
      timer->async_wait([this, &w, timer](error_code) {
        if (!stopping.load()) accept(w);
      });
      return;
    }
    if (open_sessions.load(std::memory_order_relaxed) >= options.max_connections) {
      error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<Session>(std::move(socket), *this);
      w.sessions.push_back(session);
      session->start();
    }
    accept(w);
  });
}

void Server::Impl::sweep(IoWorker& w) {
  w.sweeper.expires_after(options.sweep_interval);
  w.sweeper.async_wait([this, &w](error_code ec) {
    if (ec) return;
    auto now = steady::now();
    std::erase_if(w.sessions, [&](const std::weak_ptr<Session>& weak) {
      auto s = weak.lock();
      if (!s) return true;
      s->check_deadline(now);
      return false;
    });
    sweep(w);
  });
}

void Server::Impl::stop_io() {
  for (auto& w : io)
    w->ioc.stop();
  for (auto& w : io)
    if (w->thread.joinable()) w->thread.join();
}

Server::Server(ServerOptions options, const Pipeline& pipeline, ThreadPool& workers,
               spdlog::logger& log)
    : impl_(std::make_unique<Impl>(std::move(options), pipeline, workers, log)) {}

Server::~Server() {
  if (impl_->started && !impl_->joined) {
    impl_->stopping = true;
    impl_->stop_io();
  }
}

void Server::start() {
  auto& im = *impl_;
  unsigned threads = im.options.io_threads != 0 ? im.options.io_threads
                                                : std::max(1u, std::thread::hardware_concurrency());
  error_code ec;
  auto address = net::ip::make_address(im.options.host, ec);
  if (ec) throw std::runtime_error("invalid HOST address: " + im.options.host);
  std::uint16_t port = im.options.port;
  if (port != 0) {
    // Our acceptors share the port through SO_REUSEPORT, which would also let a second shopd
    // of the same user bind it silently; a plain probe bind refuses while anyone listens.
    net::io_context probe_ctx;
    tcp::acceptor probe(probe_ctx);
    tcp::endpoint endpoint(address, port);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec)
      throw std::runtime_error(
          fmt::format("cannot bind {}:{}: {}", im.options.host, port, ec.message()));
  }
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<IoWorker>();
    tcp::endpoint endpoint(address, port);
    tcp::acceptor acceptor(w->ioc);
    auto fail = [&](std::string_view what) {
      throw std::runtime_error(
          fmt::format("cannot {} {}:{}: {}", what, im.options.host, port, ec.message()));
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) fail("open a socket for");
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    // Each I/O thread has its own acceptor; the kernel spreads connections among them.
    acceptor.set_option(net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec) fail("bind");
    acceptor.listen(1024, ec);
    if (ec) fail("listen on");
    port = acceptor.local_endpoint().port();
    w->acceptor.emplace(std::move(acceptor));
    im.io.push_back(std::move(w));
  }
  im.port = port;
  if (im.handle_signals) {
    im.signals.emplace(im.io.front()->ioc, SIGINT, SIGTERM);
    im.signals->async_wait([this](error_code ec, int) {
      if (!ec) shutdown();
    });
  }
  for (auto& w : im.io) {
    im.accept(*w);
    im.sweep(*w);
    w->thread = std::thread([io = w.get()] { io->ioc.run(); });
  }
  im.started = true;
}

std::uint16_t Server::port() const {
  return impl_->port;
}

void Server::stop_on_signals() {
  impl_->handle_signals = true;
}

void Server::shutdown() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mutex);
    if (im.stopping.exchange(true)) return;
  }
  im.stop_requested.notify_all();
  for (auto& w : im.io) {
    net::post(w->ioc, [w = w.get(), &im] {
      error_code ignored;
      if (w->acceptor) w->acceptor->close(ignored);
      if (im.signals && w == im.io.front().get()) im.signals->cancel(ignored);
      for (auto& weak : w->sessions)
        if (auto s = weak.lock()) s->begin_shutdown();
    });
  }
}

void Server::wait() {
  auto& im = *impl_;
  {
    std::unique_lock lock(im.mutex);
    im.stop_requested.wait(lock, [&] { return im.stopping.load(); });
  }
  auto give_up = steady::now() + im.options.shutdown_grace;
  while (im.open_sessions.load() > 0 && steady::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  im.stop_io();
  im.joined = true;
}

std::size_t Server::open_connections() const {
  return impl_->open_sessions.load();
}

}  // namespace shop::http
