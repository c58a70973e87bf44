#pragma once

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::outbound {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  Fields headers;    // name, value
  std::string body;  // sent as is, with the Content-Type among the headers
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds total_timeout{10000};
  std::size_t max_response_bytes = 1 << 20;  // a longer answer fails as a transport error
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// The request got no answer: no connection, a timeout, a broken or oversized answer. The message
// is libcurl's, without the request's headers or body.
class TransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Outbound HTTP(S) with libcurl: one request per call, from any thread, never following
// redirects, only http and https. Each thread keeps its connections alive between calls. The calls
// of payment providers (and later webhooks and object storage) go through it, always outside any
// database transaction.
class HttpClient {
 public:
  HttpClient();
  HttpResponse send(const HttpRequest& request) const;
};

// "a=1&b=x%20y": application/x-www-form-urlencoded, every byte but unreserved ones escaped.
std::string form_encode(const Fields& fields);

}  // namespace shop::outbound
