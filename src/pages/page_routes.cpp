#include "pages/page_routes.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <memory>

#include "core/error.hpp"
#include "http/etag.hpp"
#include "pages/embedded_assets.hpp"

namespace shop::pages {
namespace {

using http::Request;
using http::RequestContext;
using http::Response;

const EmbeddedAsset* find_asset(std::string_view path) {
  auto all = embedded_assets();
  auto it = std::lower_bound(all.begin(), all.end(), path,
                             [](const EmbeddedAsset& a, std::string_view p) { return a.path < p; });
  return it != all.end() && it->path == path ? &*it : nullptr;
}

class PageRoutes {
 public:
  explicit PageRoutes(std::string policy) : policy_(std::move(policy)) {}

  Response openapi(Request& req, RequestContext&) { return serve(req, "/openapi.json", false); }
  Response docs_index(Request& req, RequestContext&) { return serve(req, "/docs/index.html"); }
  Response admin_index(Request& req, RequestContext&) { return serve(req, "/admin/index.html"); }
  Response docs_file(Request& req, RequestContext& ctx) {
    return serve(req, "/docs/" + std::string(ctx.param("file")));
  }
  Response admin_file(Request& req, RequestContext& ctx) {
    return serve(req, "/admin/" + std::string(ctx.param("file")));
  }

 private:
  // An embedded file with its ETag (304 on a match); clients revalidate every time, so a new
  // binary's assets are seen at once. Pages get their own CSP instead of the API's.
  Response serve(const Request& req, std::string_view path, bool page = true) const {
    const EmbeddedAsset* asset = find_asset(path);
    if (asset == nullptr) throw Error(ErrorCode::not_found, "Not found");
    Response r;
    r.headers.add("ETag", std::string(asset->etag));
    r.headers.add("Cache-Control", "no-cache");
    if (page) r.headers.add("Content-Security-Policy", policy_);
    if (auto inm = req.headers.get("If-None-Match"); inm && http::etag_matches(*inm, asset->etag)) {
      r.status = 304;
      return r;
    }
    r.status = 200;
    r.headers.add("Content-Type", std::string(asset->content_type));
    r.body.assign(asset->body);
    return r;
  }

  std::string policy_;
};

// "https://cdn.example:8443" of a URL, or "" when it has none.
std::string origin_of(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || !u->has_authority()) return "";
  return std::string(u->scheme()) + "://" + std::string(u->encoded_host_and_port());
}

}  // namespace

std::string page_security_policy(const std::string& public_url) {
  std::string images = "'self' data: blob:";
  if (std::string origin = origin_of(public_url); !origin.empty()) images += " " + origin;
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + images +
         "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
         "frame-ancestors 'none'; form-action 'self'";
}

void add_page_routes(http::Router& router, const std::string& public_url) {
  auto routes = std::make_shared<PageRoutes>(page_security_policy(public_url));
  http::MemberHandlers bind(routes);
  auto page = [&](std::string pattern, http::Handler handler) {
    router.add({.method = http::Method::get,
                .pattern = std::move(pattern),
                .handler = std::move(handler),
                .execution = http::Execution::io_thread,
                .rate_limited = false});
  };
  page("/openapi.json", bind(&PageRoutes::openapi));
  page("/docs", bind(&PageRoutes::docs_index));
  page("/docs/:file", bind(&PageRoutes::docs_file));
  page("/admin", bind(&PageRoutes::admin_index));
  page("/admin/:file", bind(&PageRoutes::admin_file));
}

}  // namespace shop::pages
