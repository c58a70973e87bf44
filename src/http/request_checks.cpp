#include "http/request_checks.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "http/message.hpp"

namespace shop::http {

bool has_obs_fold(std::string_view header_bytes) {
  for (auto at = header_bytes.find('\n'); at != std::string_view::npos;
       at = header_bytes.find('\n', at + 1)) {
    if (at + 1 < header_bytes.size() &&
        (header_bytes[at + 1] == ' ' || header_bytes[at + 1] == '\t'))
      return true;
  }
  return false;
}

bool valid_host(std::string_view v) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  auto hex = [&](char c) { return alnum(c) && (c <= '9' || (c | 0x20) <= 'f'); };
  auto name_char = [&](char c) {  // unreserved or sub-delims
    return alnum(c) || std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
  };
  std::string_view port;
  if (v.starts_with('[')) {
    auto end = v.find(']');
    if (end == std::string_view::npos || end == 1) return false;
    for (char c : v.substr(1, end - 1))
      if (!name_char(c) && c != ':') return false;  // IPv6address or IPvFuture
    v.remove_prefix(end + 1);
    if (!v.empty() && v.front() != ':') return false;
    if (!v.empty()) port = v.substr(1);
  } else {
    auto colon = v.find(':');
    if (colon != std::string_view::npos) port = v.substr(colon + 1);
    std::string_view name = v.substr(0, colon);
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] != '%') {
        if (!name_char(name[i])) return false;
      } else if (i + 2 >= name.size() || !hex(name[i + 1]) || !hex(name[i + 2])) {
        return false;
      } else {
        i += 2;
      }
    }
  }
  return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> origin_form(std::string_view target) {
  if (target.starts_with('/')) return std::string(target);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() < scheme.size() || !iequals(target.substr(0, scheme.size()), scheme))
      continue;
    auto rest = target.substr(scheme.size());
    auto path = rest.find_first_of("/?");
    auto authority = rest.substr(0, path);
    if (authority.empty() || !valid_host(authority)) return std::nullopt;  // RFC 9110 §4.2
    if (path == std::string_view::npos) return std::string("/");
    std::string origin(rest.substr(path));
    if (origin.front() == '?') origin.insert(0, 1, '/');
    return origin;
  }
  return std::nullopt;
}

bool only_chunked_coding(const std::vector<std::string_view>& fields) {
  for (std::string_view list : fields) {
    while (!list.empty()) {
      auto comma = list.find(',');
      auto coding = trim_whitespace(list.substr(0, comma));
      if (!coding.empty() && !iequals(coding, "chunked")) return false;
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return true;
}

std::optional<Error> check_header(const HeaderFacts& h) {
  auto refuse = [](ErrorCode code, const char* message) { return Error(code, message); };
  if (h.obs_fold) return refuse(ErrorCode::invalid_input, "Obsolete line folding in a header");
  // RFC 9112 §3.2: no Host in HTTP/1.1, several, or an invalid one are all a 400.
  if (h.hosts > 1) return refuse(ErrorCode::invalid_input, "Duplicate Host header");
  if (h.hosts == 0 && h.version == 11)
    return refuse(ErrorCode::invalid_input, "Missing Host header");
  if (h.hosts == 1 && !valid_host(h.host))
    return refuse(ErrorCode::invalid_input, "Invalid Host header");
  // OPTIONS * (asterisk-form) and CONNECT (authority-form) get the router's usual answers.
  bool asterisk = h.target == "*" && h.method == "OPTIONS";
  // The usual origin-form needs no copy; only the absolute-form is reduced to check it.
  bool known_form = h.target.starts_with('/') || origin_form(h.target).has_value();
  if (!known_form && !asterisk && h.method != "CONNECT")
    return refuse(ErrorCode::invalid_input, "Invalid request target");
  // RFC 9112 §6.1 and §6.3: with Content-Length, not ending in chunked, or in an HTTP/1.0
  // request, Transfer-Encoding leaves the framing in doubt.
  bool has_te = !h.transfer_encodings.empty();
  if (has_te && (h.content_length || !h.chunked || h.version < 11))
    return refuse(ErrorCode::invalid_input, "Invalid Transfer-Encoding");
  if (has_te && !only_chunked_coding(h.transfer_encodings))
    return refuse(ErrorCode::not_implemented, "Transfer coding not implemented");
  return std::nullopt;
}

std::string routing_target(std::string_view target) {
  auto origin = origin_form(target);
  return origin ? std::move(*origin) : std::string(target);
}

}  // namespace shop::http
