#pragma once

#include <string>
#include <utility>
#include <vector>

namespace shop::test {

// Builds a multipart/form-data body for API tests.
class MultipartBody {
 public:
  static constexpr const char* kBoundary = "shopd-test-boundary-7MA4YWxkTrZu0gW";

  MultipartBody& field(const std::string& name, const std::string& value) {
    body_ += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
             "\"\r\n\r\n" + value + "\r\n";
    return *this;
  }
  MultipartBody& file(const std::string& name, const std::string& filename, const std::string& type,
                      const std::string& bytes) {
    body_ += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" + name +
             "\"; filename=\"" + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n" + bytes +
             "\r\n";
    return *this;
  }
  std::string str() const { return body_ + "--" + kBoundary + "--\r\n"; }
  static std::string content_type() {
    return std::string("multipart/form-data; boundary=") + kBoundary;
  }

 private:
  std::string body_;
};

}  // namespace shop::test
