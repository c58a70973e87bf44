#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"
#include "http/request_context.hpp"

namespace spdlog {
class logger;
}

namespace shop {
class ThreadPool;
}

namespace shop::http {

class Pipeline;
struct ServerOptions;

// What every connection of one server shares with it.
struct SessionShared {
  const ServerOptions& options;
  const Pipeline& pipeline;
  ThreadPool& workers;
  spdlog::logger& log;
  std::atomic<std::size_t>& open_sessions;  // connections open now
  const std::atomic<bool>& stopping;        // the server is shutting down
};

// One connection: reads a request, runs it (here or on a worker), writes the answer, repeats.
// The header is parsed by a hand-fed Beast parser, so the session sees each phase (header, body)
// and the raw header bytes (obs-fold). Every member is touched only on the connection's I/O
// thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using tcp = boost::asio::ip::tcp;
  using steady = std::chrono::steady_clock;
  using error_code = boost::system::error_code;

  Session(tcp::socket socket, const SessionShared& shared);
  ~Session();

  void start() { read_request(); }
  // Called about once a second: closes the connection when its current phase ran out of time.
  void check_deadline(steady::time_point now);
  // Graceful shutdown: idle connections close now, busy ones after their current response.
  void begin_shutdown();

 private:
  enum class State { idle, reading_header, reading_body, processing, writing, lingering, closed };
  enum class BodyPlan { read, answer_now, authorize_first, refused };
  // An upload's caller, checked on a worker before its body is read.
  struct UploadCheck {
    Request head;
    RequestContext ctx;
    std::optional<Error> refused;
  };

  void set_deadline(std::chrono::milliseconds d) { deadline_ = steady::now() + d; }

  void read_request();
  void read_more();
  void on_read(error_code ec, std::size_t n);
  // Feeds buffered bytes to the parser until it needs more, fails, or has a whole request.
  void parse();
  // The body may come: its timer starts. True when the parse loop must stop here (a 100 Continue
  // is being written, after which reading goes on).
  bool start_body();
  std::string_view buffered() const;
  // RFC 9112 §2.2: empty lines before a request-line are ignored. False while nothing else is
  // buffered yet.
  bool skip_empty_lines();
  bool expects_continue() const;
  void write_continue();
  // The checks of request_checks.hpp on the parsed header; false when the request was refused.
  bool check_header();
  // Routes the request before a byte of its body is read, and decides how much of a body it may
  // have and whether to read it at all: a 404 or 405 is answered at once, and only a caller
  // allowed to use a route that takes uploads gets more than json_body_limit.
  BodyPlan plan_body();
  BodyPlan limit_body(std::size_t limit);
  // Runs the body gate on a worker, then, back on this connection's thread, reads the body or
  // answers the refusal without reading it.
  void authorize_then_read();
  void on_authorized(UploadCheck& check);
  void on_parse_error(error_code ec);
  // The request line and header fields (no body yet).
  Request make_request_head();
  RequestContext make_context() const;
  // A request the server cannot accept: answered through the pipeline (so it carries the usual
  // headers and is logged), then the connection closes.
  void reject(ErrorCode code, std::string message);
  void dispatch();
  void send(Response r, bool head, bool keep_alive, unsigned version);
  void on_write(error_code ec);
  // Half-close and drain what the client still sends, so a response is not destroyed by a
  // reset when unread request bytes remain.
  void linger();
  void close();

  tcp::socket socket_;
  const SessionShared& shared_;
  std::string peer_ip_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
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

}  // namespace shop::http
