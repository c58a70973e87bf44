#pragma once

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace shop::http {

// "OK", "Not Found", ...: the reason phrase of a status shopd answers; "Unknown" for others.
std::string_view reason_phrase(int status);

// The Date header value of the current second (RFC 9110 §5.6.7), formatted once per second per
// thread.
std::string_view http_date();

// Whether a response with this status carries a body (and Content-Length).
bool has_body(int status);

// The bytes of a response on an HTTP/1.1 connection: status line, Date, the response's headers
// (CR and LF dropped from values), Content-Length, Connection when it is not the version's
// default, then the body unless the request was a HEAD. `version` is the request's (10 or 11).
std::string serialize(const Response& r, bool head_request, bool keep_alive, unsigned version);

}  // namespace shop::http
