#include "app/service_routes.hpp"

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "storage/database.hpp"

namespace shop::app {

using http::Access;
using http::Execution;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

void add_service_routes(http::Router& router, storage::Database& db, const http::Metrics& metrics,
                        std::function<std::string()> cache_status) {
  router.add({.method = Method::get,
              .pattern = "/",
              .handler =
                  [](Request&, RequestContext&) {
                    return Response::text(200, "shopd API is running\n",
                                          "text/plain; charset=utf-8");
                  },
              .execution = Execution::io_thread});
  router.add({.method = Method::get,
              .pattern = "/healthz",
              .handler = [](Request&,
                            RequestContext&) { return Response::json(200, R"({"status":"ok"})"); },
              .execution = Execution::io_thread,
              .rate_limited = false});
  router.add({.method = Method::get,
              .pattern = "/readyz",
              .handler =
                  [&db, cache_status = std::move(cache_status)](Request&, RequestContext&) {
                    // The cache only speeds things up: without it (Redis away: "degraded") the
                    // instance still serves, so it stays ready.
                    std::string cache = cache_status ? cache_status() : "in-process";
                    if (db.ping())
                      return Response::json(
                          200, R"({"status":"ready","database":"ok","cache":")" + cache + "\"}");
                    return Response::json(503, R"({"message":"Database unavailable","database":)"
                                               R"("unreachable","cache":")" +
                                                   cache + "\"}");
                  },
              .execution = Execution::worker,
              .rate_limited = false});
  router.add({.method = Method::get,
              .pattern = "/metrics",
              .handler =
                  [&metrics](Request&, RequestContext&) {
                    return Response::text(200, metrics.render(),
                                          "text/plain; version=0.0.4; charset=utf-8");
                  },
              .execution = Execution::io_thread,
              .rate_limited = false});
}

}  // namespace shop::app
