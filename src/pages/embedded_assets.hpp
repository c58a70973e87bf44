#pragma once

#include <span>
#include <string_view>

namespace shop::pages {

// A file compiled into the binary (cmake/embed_assets.cmake): the built front-end under /admin/
// and /docs/, and /openapi.json.
struct EmbeddedAsset {
  std::string_view path;          // "/admin/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // "\"<first 128 bits of the SHA-256, hex>\""
  std::string_view body;
};

// Every embedded file, sorted by path.
std::span<const EmbeddedAsset> embedded_assets();

}  // namespace shop::pages
