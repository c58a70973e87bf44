#pragma once

namespace shop::storage {
class Database;
}

namespace shop::http {
class Router;
class Metrics;
}  // namespace shop::http

namespace shop::app {

// GET /, /healthz, /readyz (the database answers) and /metrics.
void add_service_routes(http::Router& router, storage::Database& db,
                        const http::Metrics* const& metrics);

}  // namespace shop::app
