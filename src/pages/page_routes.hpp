#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::pages {

// The pages shopd serves itself, from files embedded at build time: the OpenAPI document
// (/openapi.json), the API docs (/docs, Swagger UI) and the admin dashboard (/admin). public_url
// is PUBLIC_URL: product pictures are shown from there, so the pages' CSP allows its origin.
void add_page_routes(http::Router& router, const std::string& public_url);

// The Content-Security-Policy of /docs and /admin: their own scripts, styles and API only.
std::string page_security_policy(const std::string& public_url);

}  // namespace shop::pages
