#pragma once

#include <functional>
#include <string>

namespace shop::storage {
class Database;
}

namespace shop::http {
class Router;
class Metrics;
}  // namespace shop::http

namespace shop::app {

// GET /, /healthz, /readyz (the database answers; cache_status names the cache's state: "redis",
// "degraded", "in-process" or "off") and /metrics.
void add_service_routes(http::Router& router, storage::Database& db, const http::Metrics& metrics,
                        std::function<std::string()> cache_status);

}  // namespace shop::app
