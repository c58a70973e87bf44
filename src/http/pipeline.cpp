#include "http/pipeline.hpp"

#include "http/error_response.hpp"

namespace shop::http {

Response Next::operator()() const {
  return pipeline_.run(index_, req_, ctx_);
}

void Pipeline::route(const Request& req, RequestContext& ctx) const {
  RouteMatch m = router_.match(req.method, req.path);
  ctx.route = m.route;
  ctx.params = std::move(m.params);
  ctx.path_known = m.path_known;
  ctx.allow = std::move(m.allow);
}

Response Pipeline::handle(Request& req, RequestContext& ctx) const noexcept {
  try {
    return run(0, req, ctx);
  } catch (...) {
    try {
      return response_for_exception(std::current_exception(), ctx.request_id, log_);
    } catch (...) {
      Response r;
      r.status = 500;
      r.close = true;
      return r;
    }
  }
}

Response Pipeline::run(std::size_t index, Request& req, RequestContext& ctx) const {
  if (index < chain_.size()) return chain_[index](req, ctx, Next(*this, index + 1, req, ctx));
  return dispatch(req, ctx);
}

Response Pipeline::dispatch(Request& req, RequestContext& ctx) const {
  if (ctx.rejection) throw *ctx.rejection;
  if (ctx.route != nullptr) return ctx.route->handler(req, ctx);
  if (req.method == Method::other)
    throw Error(ErrorCode::not_implemented, "Method not implemented");
  if (req.method == Method::options && ctx.path_known) {
    Response r;
    r.status = 204;
    r.headers.add("Allow", ctx.allow);
    return r;
  }
  if (ctx.path_known || req.method == Method::trace || req.method == Method::connect) {
    Response r = error_response(405, "Method not allowed");
    r.headers.add("Allow", ctx.allow);
    return r;
  }
  throw Error(ErrorCode::not_found, "Route not found");
}

}  // namespace shop::http
