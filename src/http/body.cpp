#include "http/body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <unordered_set>

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

namespace {

namespace json = boost::json;
using json::error_code;
using json::string_view;

// Builds the value like Boost.JSON's own parser does, and also keeps the text of each top-level
// number and refuses a top-level member named twice.
struct ExactNumberHandler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack st;
  int depth = 0;
  std::string key;          // the top-level member being read
  std::string number_text;  // the number being read
  std::unordered_set<std::string> keys;
  bool duplicate = false;
  std::vector<std::pair<std::string, std::string>> numbers;

  bool on_document_begin(error_code&) {
    st.reset();
    return true;
  }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    ++depth;
    return true;
  }
  bool on_object_end(std::size_t n, error_code&) {
    --depth;
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) {
    ++depth;
    return true;
  }
  bool on_array_end(std::size_t n, error_code&) {
    --depth;
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    if (depth == 1) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    st.push_key(s);
    if (depth == 1) {
      key.append(s.data(), s.size());
      if (!keys.insert(key).second) {
        duplicate = true;
        ec = json::error::syntax;
        return false;
      }
      key_done = std::move(key);
      key.clear();
    }
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    if (depth == 1) number_text.append(s.data(), s.size());
    return true;
  }
  void number_done(string_view last) {
    if (depth != 1) return;
    number_text.append(last.data(), last.size());
    numbers.emplace_back(key_done, std::move(number_text));
    number_text.clear();
  }
  bool on_int64(std::int64_t i, string_view s, error_code&) {
    st.push_int64(i);
    number_done(s);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view s, error_code&) {
    st.push_uint64(u);
    number_done(s);
    return true;
  }
  bool on_double(double d, string_view s, error_code&) {
    st.push_double(d);
    number_done(s);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  std::string key_done;  // the last complete top-level key
};

}  // namespace

JsonBody parse_json_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = 32;
  json::basic_parser<ExactNumberHandler> parser(options);
  error_code ec;
  std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && used != body.size()) ec = json::error::extra_data;
  if (parser.handler().duplicate)
    throw Error(ErrorCode::invalid_input, "Malformed JSON body: a member is named twice");
  if (ec) throw Error(ErrorCode::invalid_input, "Malformed JSON body");
  json::value v = parser.handler().st.release();
  if (!v.is_object()) throw Error(ErrorCode::invalid_input, "JSON body must be an object");
  return JsonBody{std::move(v.as_object()), std::move(parser.handler().numbers)};
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

std::optional<std::int64_t> parse_query_integer(std::string_view s) {
  std::string_view digits = s.starts_with('-') ? s.substr(1) : s;
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);  // at most 18 digits: cannot overflow
  return n;
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
