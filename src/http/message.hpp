#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::http {

enum class Method : std::uint8_t {
  get,
  head,
  post,
  put,
  patch,
  del,
  options,
  trace,
  connect,
  other
};

Method parse_method(std::string_view text);
std::string_view method_name(Method m);

// ASCII case-insensitive comparison, as HTTP header names require.
bool iequals(std::string_view a, std::string_view b);

// An ordered list of header fields; names compare case-insensitively.
class Headers {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string value);
  void erase(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  Method method = Method::get;
  std::string method_text;  // as sent, for logs and 501s
  std::string target;       // raw request target: path and query
  std::string path;         // target before '?', still percent-encoded
  std::string query;        // target after '?', without it
  unsigned version = 11;    // 10 or 11
  Headers headers;
  std::string body;
};

struct Response {
  int status = 200;
  Headers headers;
  // Preformatted "Name: value\r\n" lines in static storage, written after `headers`: the
  // security headers every response carries, without building them anew each time.
  std::string_view fixed_headers;
  std::string body;
  bool close = false;  // close the connection after this response

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string content_type);
};

}  // namespace shop::http
