#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::analytics {

class AnalyticsService;

// GET /api/admin/analytics, the admin sales report; media_base_url is PUBLIC_URL + "/media/".
void add_analytics_routes(http::Router& router, AnalyticsService& service,
                          std::string media_base_url);

}  // namespace shop::analytics
