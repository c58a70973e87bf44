#include "media/media_routes.hpp"

#include "core/error.hpp"
#include "media/media_store.hpp"

namespace shop::media {

void add_media_routes(http::Router& router, const MediaStore& store) {
  router.add({.method = http::Method::get,
              .pattern = "/media/:file",
              .handler =
                  [&store](http::Request&, http::RequestContext& ctx) {
                    // Only names the store could have written are looked up: "..", "%2e%2e",
                    // slashes and absolute paths never reach the file system.
                    auto file = store.read(ctx.param("file"));
                    if (!file) throw Error(ErrorCode::not_found, "Not found");
                    http::Response r;
                    r.headers.add("Content-Type", std::string(file->content_type));
                    r.headers.add("Cache-Control", "public, max-age=31536000, immutable");
                    r.headers.add("Cross-Origin-Resource-Policy", "cross-origin");
                    r.body = std::move(file->bytes);
                    return r;
                  },
              .bodies = 0});
}

}  // namespace shop::media
