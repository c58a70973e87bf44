#include "http/multipart.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/body.hpp"
#include "http/message.hpp"

namespace shop::http {
namespace {

[[noreturn]] void malformed(std::string_view why) {
  throw Error(ErrorCode::invalid_input, "Malformed multipart body: " + std::string(why));
}

bool boundary_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

// The value of parameter `name` in "type; a=1; b=\"x;y\"" (case-insensitive name), unquoted;
// nullopt when absent or when the parameter list is malformed.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  auto semi = header.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string_view rest = header.substr(semi + 1);
  while (!trim_whitespace(rest).empty()) {
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = trim_whitespace(rest.substr(0, eq));
    rest = rest.substr(eq + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
      rest.remove_prefix(1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value.push_back(rest[i]);
      }
      if (i >= rest.size()) return std::nullopt;  // unterminated quote
      rest.remove_prefix(i + 1);
      auto next = rest.find(';');
      if (!trim_whitespace(rest.substr(0, next)).empty()) return std::nullopt;
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    } else {
      auto next = rest.find(';');
      value = std::string(trim_whitespace(rest.substr(0, next)));
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    }
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

// Parses the header block of one part into the part's name, filename and content type.
MultipartPart parse_part_headers(std::string_view block) {
  MultipartPart part;
  part.content_type = "text/plain";
  bool has_disposition = false;
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[colon - 1] == ' ' ||
        line.front() == ' ' || line.front() == '\t')
      malformed("bad part header");
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim_whitespace(line.substr(colon + 1));
    if (iequals(name, "Content-Disposition")) {
      if (has_disposition) malformed("duplicate Content-Disposition");
      has_disposition = true;
      if (lower(trim_whitespace(value.substr(0, value.find(';')))) != "form-data")
        malformed("part is not form-data");
      auto field = parameter(value, "name");
      if (!field || field->empty()) malformed("part without a name");
      part.name = *field;
      if (auto filename = parameter(value, "filename")) part.filename = *filename;
    } else if (iequals(name, "Content-Type")) {
      part.content_type = lower(trim_whitespace(value));
    }
  }
  if (!has_disposition) malformed("part without Content-Disposition");
  return part;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (media_type(content_type) != "multipart/form-data") return std::nullopt;
  auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ' ||
      !std::all_of(boundary->begin(), boundary->end(), boundary_char))
    return std::nullopt;
  return boundary;
}

std::vector<MultipartPart> parse_multipart(std::string_view content_type, std::string_view body,
                                           const MultipartLimits& limits) {
  auto boundary = multipart_boundary(content_type);
  if (!boundary) malformed("missing or invalid boundary");
  const std::string first = "--" + *boundary;
  const std::string delimiter = "\r\n--" + *boundary;
  if (!body.starts_with(first)) malformed("body does not start with the boundary");
  std::size_t pos = first.size();
  std::vector<MultipartPart> parts;
  for (;;) {
    std::string_view after = body.substr(pos);
    if (after.starts_with("--")) {  // the close delimiter
      std::string_view epilogue = after.substr(2);
      if (!epilogue.empty() && epilogue != "\r\n") malformed("data after the close delimiter");
      break;
    }
    if (!after.starts_with("\r\n")) malformed("bad delimiter line");
    pos += 2;
    if (parts.size() == limits.max_parts) malformed("too many parts");

    auto header_end = body.find("\r\n\r\n", pos);
    // A part with no header lines at all starts directly with the blank line.
    bool no_headers = body.substr(pos).starts_with("\r\n");
    if (no_headers) malformed("part without Content-Disposition");
    if (header_end == std::string_view::npos || header_end - pos > limits.max_part_header_bytes)
      malformed("part headers missing or too long");
    MultipartPart part = parse_part_headers(body.substr(pos, header_end - pos));
    pos = header_end + 4;

    auto data_end = body.find(delimiter, pos);
    if (data_end == std::string_view::npos) malformed("part is not closed by the boundary");
    part.data = body.substr(pos, data_end - pos);
    std::size_t limit = part.filename ? limits.max_file_bytes : limits.max_field_bytes;
    if (part.data.size() > limit)
      throw Error(ErrorCode::payload_too_large, "Part \"" + part.name + "\" is too large");
    for (const auto& p : parts)
      if (p.name == part.name) malformed("duplicate part \"" + part.name + "\"");
    parts.push_back(std::move(part));
    pos = data_end + delimiter.size();
  }
  return parts;
}

MultipartForm::MultipartForm(std::vector<MultipartPart> parts,
                             const std::vector<std::string_view>& fields,
                             const std::vector<std::string_view>& files)
    : parts_(std::move(parts)) {
  for (const auto& p : parts_) {
    bool is_file = p.filename.has_value();
    const auto& allowed = is_file ? files : fields;
    if (std::find(allowed.begin(), allowed.end(), p.name) == allowed.end())
      throw Error(ErrorCode::invalid_input,
                  std::string(is_file ? "Unexpected file field \"" : "Unexpected field \"") +
                      p.name + "\"");
  }
}

std::optional<std::string> MultipartForm::field(std::string_view name) const {
  for (const auto& p : parts_)
    if (p.name == name && !p.filename) return std::string(p.data);
  return std::nullopt;
}

const MultipartPart* MultipartForm::file(std::string_view name) const {
  for (const auto& p : parts_)
    if (p.name == name && p.filename) return &p;
  return nullptr;
}

}  // namespace shop::http
