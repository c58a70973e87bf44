#include "http/response_writer.hpp"

#include <ctime>

namespace shop::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

// The Date header value, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t last = 0;
  thread_local char text[40] = {};
  std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    last = now;
  }
  return text;
}

bool has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

namespace {

// Header values come from our own code, but a CR or LF would split the response: drop them.
void append_header_value(std::string& out, std::string_view v) {
  if (v.find_first_of("\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  for (char c : v)
    if (c != '\r' && c != '\n') out.push_back(c);
}

}  // namespace

std::string serialize(const Response& r, bool head_request, bool keep_alive, unsigned version) {
  std::string out;
  out.reserve(320 + r.headers.fields().size() * 48 + (head_request ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\nDate: ";
  out += http_date();
  out += "\r\n";
  for (const auto& [name, value] : r.headers.fields()) {
    out += name;
    out += ": ";
    append_header_value(out, value);
    out += "\r\n";
  }
  out += r.fixed_headers;
  if (has_body(r.status)) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (version == 10)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head_request && has_body(r.status)) out += r.body;
  return out;
}

}  // namespace shop::http
