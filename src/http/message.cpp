#include "http/message.hpp"

#include <algorithm>

namespace shop::http {

Method parse_method(std::string_view text) {
  if (text == "GET") return Method::get;
  if (text == "HEAD") return Method::head;
  if (text == "POST") return Method::post;
  if (text == "PUT") return Method::put;
  if (text == "PATCH") return Method::patch;
  if (text == "DELETE") return Method::del;
  if (text == "OPTIONS") return Method::options;
  if (text == "TRACE") return Method::trace;
  if (text == "CONNECT") return Method::connect;
  return Method::other;
}

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::trace:
      return "TRACE";
    case Method::connect:
      return "CONNECT";
    case Method::other:
      break;
  }
  return "OTHER";
}

bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) {
           return lower(static_cast<unsigned char>(x)) == lower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [n, v] : fields_)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::size_t Headers::count(std::string_view name) const {
  return std::count_if(fields_.begin(), fields_.end(),
                       [&](const auto& f) { return iequals(f.first, name); });
}

void Headers::set(std::string_view name, std::string value) {
  erase(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::erase(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
}

Response Response::json(int status, std::string body) {
  return text(status, std::move(body), "application/json; charset=utf-8");
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.add("Content-Type", std::move(content_type));
  return r;
}

}  // namespace shop::http
