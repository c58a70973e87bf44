#pragma once

#include <functional>
#include <vector>

#include "http/message.hpp"
#include "http/request_context.hpp"
#include "http/router.hpp"

namespace spdlog {
class logger;
}

namespace shop::http {

class Pipeline;

// Calls the rest of the chain; a middleware may call it once, or answer without it.
class Next {
 public:
  Next(const Pipeline& pipeline, std::size_t index, Request& req, RequestContext& ctx)
      : pipeline_(pipeline), index_(index), req_(req), ctx_(ctx) {}
  Response operator()() const;

 private:
  const Pipeline& pipeline_;
  std::size_t index_;
  Request& req_;
  RequestContext& ctx_;
};

using Middleware = std::function<Response(Request&, RequestContext&, const Next&)>;

// Who may send a body to a route that takes uploads, decided before the body is read, so that
// only a caller allowed to use the route makes shopd read (and hold) MAX_UPLOAD_MB.
struct BodyGate {
  // Cheap, never blocks (runs on an I/O thread): throws Error{unauthenticated} when the request
  // carries no credentials that could be valid.
  std::function<void(const Request&)> check_credentials;
  // May block (runs on a worker): authenticates the caller and checks the route's access;
  // throws Error (unauthenticated, forbidden) or fills ctx.user.
  std::function<void(const Request&, RequestContext&)> authorize;
};

// The middleware chain in front of the router. The server first calls route() to learn where
// the request must run (I/O thread or worker), then handle() on that thread.
class Pipeline {
 public:
  Pipeline(const Router& router, spdlog::logger& log) : router_(router), log_(log) {}

  void use(Middleware middleware) { chain_.push_back(std::move(middleware)); }

  // Matches the route and stores it (with its parameters) in the context.
  void route(const Request& req, RequestContext& ctx) const;

  void set_body_gate(BodyGate gate) { body_gate_ = std::move(gate); }
  const BodyGate& body_gate() const { return body_gate_; }

  // Rate limits kept on the network (Redis) may wait: requests they count then never run on an
  // I/O thread.
  void set_rate_limits_block(bool block) { rate_limits_block_ = block; }

  // Where the matched request must run; unmatched requests, and those the route can answer
  // without blocking, are answered on the I/O thread (unless a blocking rate limit counts them).
  Execution execution_for(const Request& req, RequestContext& ctx) const {
    bool limited = ctx.route == nullptr || ctx.route->rate_limited;
    if (rate_limits_block_ && limited) return Execution::worker;
    if (ctx.route == nullptr) return Execution::io_thread;
    if (ctx.route->execution == Execution::worker && ctx.route->answers_inline &&
        ctx.route->answers_inline(req, ctx))
      return Execution::io_thread;
    return ctx.route->execution;
  }

  // Runs the chain and the route; never throws.
  Response handle(Request& req, RequestContext& ctx) const noexcept;

 private:
  friend class Next;
  Response run(std::size_t index, Request& req, RequestContext& ctx) const;
  Response dispatch(Request& req, RequestContext& ctx) const;

  const Router& router_;
  spdlog::logger& log_;
  std::vector<Middleware> chain_;
  BodyGate body_gate_;
  bool rate_limits_block_ = false;
};

}  // namespace shop::http
