#include "http/body.hpp"

#include <boost/json/parse.hpp>

#include "core/error.hpp"
#include "http/router.hpp"

namespace shop::http {

std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
    t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
    t.remove_suffix(1);
  std::string out(t);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

boost::json::object parse_json_body(std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = 32;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, {}, options);
  if (ec) throw Error(ErrorCode::invalid_input, "Malformed JSON body");
  if (!v.is_object()) throw Error(ErrorCode::invalid_input, "JSON body must be an object");
  return std::move(v.as_object());
}

std::vector<std::pair<std::string, std::string>> parse_urlencoded(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string plus_as_space;
  auto decode = [&](std::string_view raw) {
    plus_as_space.assign(raw);
    for (char& c : plus_as_space)
      if (c == '+') c = ' ';
    std::string decoded;
    if (!percent_decode(plus_as_space, decoded))
      throw Error(ErrorCode::invalid_input, "Malformed urlencoded data");
    return decoded;
  };
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text.remove_prefix(amp == std::string_view::npos ? text.size() : amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string name = decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

boost::json::object urlencoded_to_object(std::string_view body) {
  boost::json::object obj;
  for (auto& [name, value] : parse_urlencoded(body)) {
    auto it = obj.find(name);
    if (it == obj.end()) {
      obj.emplace(name, value);
    } else if (it->value().is_array()) {
      it->value().as_array().emplace_back(value);
    } else {
      boost::json::array both;
      both.emplace_back(std::move(it->value()));
      both.emplace_back(value);
      it->value() = std::move(both);
    }
  }
  return obj;
}

}  // namespace shop::http
