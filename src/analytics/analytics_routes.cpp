#include "analytics/analytics_routes.hpp"

#include <memory>

#include "analytics/analytics_json.hpp"
#include "analytics/analytics_service.hpp"

namespace shop::analytics {
namespace {

using http::Request;
using http::RequestContext;
using http::Response;

class AnalyticsRoutes {
 public:
  AnalyticsRoutes(AnalyticsService& service, std::string media_base_url)
      : service_(service), media_base_url_(std::move(media_base_url)) {}

  Response report(Request& req, RequestContext&) {
    ReportQuery q = service_.read_query(req.query);
    return Response::json(200, report_json(service_.report(q), media_base_url_));
  }

 private:
  AnalyticsService& service_;
  std::string media_base_url_;
};

}  // namespace

void add_analytics_routes(http::Router& router, AnalyticsService& service,
                          std::string media_base_url) {
  auto routes = std::make_shared<AnalyticsRoutes>(service, std::move(media_base_url));
  http::MemberHandlers bind(routes);
  router.add({.method = http::Method::get,
              .pattern = "/api/admin/analytics",
              .handler = bind(&AnalyticsRoutes::report),
              .access = http::Access::admin});
}

}  // namespace shop::analytics
