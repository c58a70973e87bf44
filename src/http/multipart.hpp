#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop::http {

// One part of a multipart/form-data body (RFC 7578). `data` points into the body.
struct MultipartPart {
  std::string name;
  std::optional<std::string> filename;  // present for file parts; never used as a path
  std::string content_type;             // as sent, lower-cased; "text/plain" when absent
  std::string_view data;
};

struct MultipartLimits {
  std::size_t max_parts = 16;
  std::size_t max_part_header_bytes = 2048;  // all header lines of one part
  std::size_t max_field_bytes = 64 * 1024;   // a part without a filename
  std::size_t max_file_bytes = 5 * 1024 * 1024;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt when the type is
// another one or the boundary is missing or not a valid RFC 2046 boundary.
std::optional<std::string> multipart_boundary(std::string_view content_type);

// Splits a whole multipart/form-data body into its parts. Strict: the body starts with the first
// delimiter, every part has `Content-Disposition: form-data; name="..."`, names are unique, the
// close delimiter ends the body (a trailing CRLF may follow). Anything else, or a limit exceeded,
// throws Error{invalid_input} (413 for size: Error{payload_too_large}).
std::vector<MultipartPart> parse_multipart(std::string_view content_type, std::string_view body,
                                           const MultipartLimits& limits = {});

// The parts a route expects: text fields and file fields by name. Unknown parts are refused
// (400), so a client cannot slip in a file the route does not handle.
class MultipartForm {
 public:
  MultipartForm(std::vector<MultipartPart> parts, const std::vector<std::string_view>& fields,
                const std::vector<std::string_view>& files);
  std::optional<std::string> field(std::string_view name) const;
  const MultipartPart* file(std::string_view name) const;

 private:
  std::vector<MultipartPart> parts_;
};

}  // namespace shop::http
