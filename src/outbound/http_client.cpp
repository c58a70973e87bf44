#include "outbound/http_client.hpp"

#include <curl/curl.h>

#include <memory>

namespace shop::outbound {
namespace {

struct Sink {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  if (sink->body.size() + n > sink->limit) {
    sink->overflow = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist** l) const { curl_slist_free_all(*l); }
};

// This thread's handle, reset to no options: it keeps its connections alive (and TLS sessions
// and resolved names) from one call to the next, so a provider's calls from a pool thread do
// not each pay a TCP and TLS handshake.
CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) throw TransportError("libcurl could not make a handle");
  curl_easy_reset(easy.get());
  return easy.get();
}

}  // namespace

HttpClient::HttpClient() {
  // Once per process, before any thread makes a handle; thread-safe since libcurl 7.84.
  static const CURLcode ready = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (ready != CURLE_OK) throw std::runtime_error("libcurl failed to initialize");
}

HttpResponse HttpClient::send(const HttpRequest& request) const {
  CURL* c = thread_handle();
  curl_slist* headers = nullptr;
  std::unique_ptr<curl_slist*, ListDeleter> free_headers(&headers);
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers, line.c_str());
    if (next == nullptr) throw TransportError("libcurl could not add a header");
    headers = next;
  };
  for (const auto& [name, value] : request.headers)
    add_header(name + ": " + value);
  add_header("Expect:");  // no "100-continue" round trip before a POST's body
  Sink sink;
  sink.limit = request.max_response_bytes;
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "shopd");
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow)
    throw TransportError("the answer was longer than " +
                         std::to_string(request.max_response_bytes) + " bytes");
  if (rc != CURLE_OK) throw TransportError(curl_easy_strerror(rc));
  HttpResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.body);
  return response;
}

std::string form_encode(const Fields& fields) {
  auto escape = [](std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : s) {
      bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
      if (plain) {
        out += static_cast<char>(ch);
      } else {
        out += '%';
        out += kHex[ch >> 4];
        out += kHex[ch & 15];
      }
    }
    return out;
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += escape(name) + "=" + escape(value);
  }
  return out;
}

}  // namespace shop::outbound
