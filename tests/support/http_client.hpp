#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::test {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header of that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  std::size_t header_count(std::string_view name) const;
  boost::json::value json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A blocking HTTP/1.1 client on one loopback TCP connection, for API tests. It can send
// well-formed requests or raw bytes, and read responses with a timeout. A source address (such
// as 127.0.0.2: all of 127/8 is loopback on Linux) makes the connection come from there.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1", std::string source = "");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends a request (Host and Content-Length added) and reads the response; throws on failure.
  HttpResponse request(std::string_view method, std::string_view target, std::string body = "",
                       const Headers& headers = {});
  HttpResponse get(std::string_view target, const Headers& headers = {}) {
    return request("GET", target, "", headers);
  }
  HttpResponse post_json(std::string_view target, std::string body, const Headers& headers = {});

  // Writes bytes as they are; false if the connection is closed.
  bool send_raw(std::string_view bytes);
  // Reads one response; nullopt if the connection closed or nothing came within the timeout.
  // For a HEAD request pass head = true (no body follows the headers).
  std::optional<HttpResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(5), bool head = false);
  // True if the server closes the connection within the timeout (EOF or reset).
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  std::string buffer_;  // bytes read but not consumed yet
  std::string host_header_;
};

}  // namespace shop::test
