#include "catalog/catalog_routes.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>

#include "catalog/catalog_service.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "http/body.hpp"
#include "http/body_reader.hpp"
#include "http/etag.hpp"
#include "http/multipart.hpp"

namespace shop::catalog {
namespace {

using http::Access;
using http::BodyKind;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

constexpr std::size_t kMaxSearch = 200;
constexpr std::int64_t kMaxPage = 1'000'000;

// A cached or fresh answer: ETag/304, X-Cache, and "fromCache" in an object body.
Response cached_response(const Request& req, const cache::CachedAnswer& answer) {
  Response r;
  r.headers.add("ETag", answer.etag);
  r.headers.add("X-Cache", answer.hit ? "HIT" : "MISS");
  // Clients may keep the answer but must revalidate: no one sees a product older than a write.
  r.headers.add("Cache-Control", "no-cache");
  if (auto inm = req.headers.get("If-None-Match"); inm && http::etag_matches(*inm, answer.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.headers.add("Content-Type", "application/json; charset=utf-8");
  const std::string& body = answer.body;
  if (!body.empty() && body.back() == '}') {
    r.body.reserve(body.size() + 20);
    r.body.append(body, 0, body.size() - 1);
    r.body += body.size() > 2 ? "," : "";
    r.body += answer.hit ? "\"fromCache\":true}" : "\"fromCache\":false}";
  } else {
    r.body = body;
  }
  return r;
}

Response message_with_product(int status, std::string_view message, const ProductJson& json,
                              const Product& p) {
  JsonWriter w;
  w.begin_object().key("message").string(message).key("product");
  json.write(w, p);
  w.end_object();
  return Response::json(status, w.take());
}

class CatalogRoutes {
 public:
  CatalogRoutes(CatalogService& service, CatalogRouteOptions options)
      : service_(service), options_(options) {}

  // Each read first takes the answer its answers_inline probe found, if any.
  Response list(Request& req, RequestContext& ctx) {
    if (const auto* found = std::any_cast<cache::CachedAnswer>(&ctx.route_state))
      return cached_response(req, *found);
    return cached_response(req, service_.list(parse_product_query(req.query)));
  }

  Response categories(Request& req, RequestContext& ctx) {
    if (const auto* found = std::any_cast<cache::CachedAnswer>(&ctx.route_state))
      return cached_response(req, *found);
    return cached_response(req, service_.categories());
  }

  Response detail(Request& req, RequestContext& ctx) {
    if (const auto* found = std::any_cast<cache::CachedAnswer>(&ctx.route_state))
      return cached_response(req, *found);
    return cached_response(req, service_.detail(ctx.param("id")));
  }

  Response create(Request& req, RequestContext& ctx) {
    Upload upload = read_upload(req, ctx);
    Product p = service_.create(upload.input, upload.image, ctx.user->id);
    return message_with_product(201, "Product created successfully", service_.json(), p);
  }

  Response update(Request& req, RequestContext& ctx) {
    Upload upload = read_upload(req, ctx);
    Product p = service_.update(ctx.param("id"), upload.input, upload.image);
    return message_with_product(200, "Product updated successfully", service_.json(), p);
  }

  Response remove(Request&, RequestContext& ctx) {
    service_.remove(ctx.param("id"));
    return Response::json(200, R"({"message":"Product deleted successfully"})");
  }

 private:
  struct Upload {
    ProductInput input;
    std::optional<std::string_view> image;  // points into the request body
  };

  // JSON, urlencoded or multipart (fields + file field `image`) → typed input.
  Upload read_upload(const Request& req, RequestContext& ctx) const {
    Upload upload;
    boost::json::value fields;
    if (ctx.body_kind == BodyKind::multipart) {
      http::MultipartLimits limits;
      limits.max_file_bytes = options_.max_upload_bytes;
      limits.max_field_bytes = 64 * 1024;
      auto parts =
          http::parse_multipart(req.headers.get("Content-Type").value_or(""), req.body, limits);
      http::MultipartForm form(std::move(parts),
                               {"name", "description", "price", "category", "stock"}, {"image"});
      boost::json::object object;
      for (std::string_view name : {"name", "description", "price", "category", "stock"})
        if (auto v = form.field(name)) object[name] = *v;
      fields = std::move(object);
      // Browsers send an empty file part when no file was chosen: that is no image.
      if (const auto* file = form.file("image"); file != nullptr && !file->data.empty())
        upload.image = file->data;
    }
    http::BodyReader body =
        ctx.body_kind == BodyKind::multipart ? http::BodyReader(fields) : http::BodyReader(ctx);
    upload.input.name = body.optional_string("name");
    upload.input.description = body.optional_string("description");
    upload.input.price = body.optional_money("price");
    upload.input.category = body.optional_string("category");
    upload.input.stock = body.optional_integer("stock", 0, kMaxStock);
    if (ctx.body_kind != BodyKind::multipart && body.has("image"))
      body.add_error("image", "send the image as a file in a multipart/form-data request");
    body.finish();
    return upload;
  }

  CatalogService& service_;
  CatalogRouteOptions options_;
};

}  // namespace

ProductQuery parse_product_query(std::string_view query_string) {
  ProductQuery q;
  std::vector<FieldError> errors;
  std::vector<std::string> seen;
  for (auto& [name, raw] : http::parse_urlencoded(query_string)) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      errors.push_back({name, "must be given once"});
      continue;
    }
    seen.push_back(name);
    std::string_view value = trim_whitespace(raw);
    if (!valid_utf8(value)) {
      errors.push_back({name, "must be UTF-8 text"});
      continue;
    }
    if (name == "page") {
      q.page = http::parse_query_integer(value).value_or(0);
      if (q.page < 1 || q.page > kMaxPage)
        errors.push_back({name, fmt::format("must be an integer from 1 to {}", kMaxPage)});
    } else if (name == "limit") {
      q.limit = http::parse_query_integer(value).value_or(0);
      if (q.limit < 1 || q.limit > 100)
        errors.push_back({name, "must be an integer from 1 to 100"});
    } else if (name == "category") {
      if (!value.empty()) q.category = std::string(value);
    } else if (name == "minPrice" || name == "maxPrice") {
      if (value.empty()) continue;
      Cents cents = 0;
      MoneyParse result = parse_money(value, cents);
      if (result != MoneyParse::ok)
        errors.push_back({name, std::string(money_error(result))});
      else
        (name == "minPrice" ? q.min_price : q.max_price) = cents;
    } else if (name == "search") {
      if (utf8_length(value) > kMaxSearch)
        errors.push_back({name, fmt::format("must be at most {} characters", kMaxSearch)});
      else if (!value.empty())
        q.search = std::string(value);
    } else if (name == "sort") {
      if (value == "newest" || value.empty())
        q.sort = ProductSort::newest;
      else if (value == "oldest")
        q.sort = ProductSort::oldest;
      else if (value == "price_asc")
        q.sort = ProductSort::price_asc;
      else if (value == "price_desc")
        q.sort = ProductSort::price_desc;
      else
        errors.push_back({name, "must be newest, oldest, price_asc or price_desc"});
    }
    // Other parameters (cache busters, analytics tags) are ignored, as the reference did.
  }
  if (q.min_price && q.max_price && *q.min_price > *q.max_price)
    errors.push_back({"minPrice", "must not be above maxPrice"});
  if (!errors.empty()) throw Error(ErrorCode::invalid_input, "Invalid query", errors);
  return q;
}

void add_catalog_routes(http::Router& router, CatalogService& service,
                        CatalogRouteOptions options) {
  auto routes = std::make_shared<CatalogRoutes>(service, options);
  http::MemberHandlers bind(routes);
  constexpr unsigned kAnyBody = static_cast<unsigned>(BodyKind::json) |
                                static_cast<unsigned>(BodyKind::form) |
                                static_cast<unsigned>(BodyKind::multipart);
  // Reads whose answer is in the in-process cache are served on the I/O thread with the answer
  // the probe found; a probe that fails (a bad query) sends the request to a worker, which
  // answers the error.
  auto inline_when = [](auto probe) {
    return [probe](const Request& req, RequestContext& ctx) {
      try {
        std::optional<cache::CachedAnswer> found = probe(req, ctx);
        if (!found) return false;
        ctx.route_state = std::move(*found);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    };
  };
  router.add({.method = Method::get,
              .pattern = "/api/products",
              .handler = bind(&CatalogRoutes::list),
              .answers_inline = inline_when([&service](const Request& req, const RequestContext&) {
                return service.cached_list(parse_product_query(req.query));
              })});
  router.add({.method = Method::get,
              .pattern = "/api/products/categories",
              .handler = bind(&CatalogRoutes::categories),
              .answers_inline = inline_when([&service](const Request&, const RequestContext&) {
                return service.cached_categories();
              })});
  router.add({.method = Method::get,
              .pattern = "/api/products/:id",
              .handler = bind(&CatalogRoutes::detail),
              .answers_inline = inline_when([&service](const Request&, const RequestContext& ctx) {
                return service.cached_detail(ctx.param("id"));
              })});
  router.add({.method = Method::post,
              .pattern = "/api/products",
              .handler = bind(&CatalogRoutes::create),
              .access = Access::admin,
              .bodies = kAnyBody});
  for (Method m : {Method::put, Method::patch})
    router.add({.method = m,
                .pattern = "/api/products/:id",
                .handler = bind(&CatalogRoutes::update),
                .access = Access::admin,
                .bodies = kAnyBody});
  router.add({.method = Method::del,
              .pattern = "/api/products/:id",
              .handler = bind(&CatalogRoutes::remove),
              .access = Access::admin});
}

}  // namespace shop::catalog
