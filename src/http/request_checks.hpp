#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace shop::http {

// RFC 9112 §5.2: whether header bytes hold a line that starts with SP or HTAB, which continues
// the line before it (obs-fold). Beast joins such lines with a space; shopd refuses them.
bool has_obs_fold(std::string_view header_bytes);

// RFC 9110 §7.2 with RFC 3986 §3.2.2: Host = uri-host [ ":" port ]; uri-host is an IP literal in
// brackets or a reg-name (which covers IPv4 addresses). Empty is valid.
bool valid_host(std::string_view value);

// RFC 9112 §3.2: the path and query that routing works on. The absolute-form
// ("http://host/path?query", which a server MUST accept, §3.2.2) is reduced to them; nullopt when
// the target is in neither form.
std::optional<std::string> origin_form(std::string_view target);

// False when a Transfer-Encoding field lists a coding other than chunked, which shopd does not
// decode (RFC 9112 §6.1: answer 501). `fields`: the value of each Transfer-Encoding field.
bool only_chunked_coding(const std::vector<std::string_view>& fields);

// What the header checks read, taken from a parsed request header.
struct HeaderFacts {
  std::string_view method;  // as sent: "GET", "OPTIONS", "CONNECT", ...
  std::string_view target;  // the request-target as sent
  unsigned version = 11;    // 10 or 11
  bool obs_fold = false;    // some header line was folded
  std::size_t hosts = 0;    // how many Host fields
  std::string_view host;    // the value of the first
  bool content_length = false;
  std::vector<std::string_view> transfer_encodings;  // the value of each Transfer-Encoding field
  bool chunked = false;  // the parser frames the body as chunked (the last coding is chunked)
};

// The framing and target rules that the parser leaves to shopd (RFC 9112): obs-fold, Host, the
// target's form, Transfer-Encoding with Content-Length or in HTTP/1.0, and codings. The error to
// answer (then the connection closes), or nullopt when the request may go on.
std::optional<Error> check_header(const HeaderFacts& h);

// The target a header that passed check_header() is routed by: its origin-form, or as sent for
// OPTIONS * (asterisk-form) and CONNECT (authority-form), which get the router's usual answers.
std::string routing_target(std::string_view target);

}  // namespace shop::http
