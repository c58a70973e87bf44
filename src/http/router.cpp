#include "http/router.hpp"

#include <stdexcept>

namespace shop::http {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (!path.empty()) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) out.emplace_back();  // a trailing empty segment: "/a/"
  }
  return out;
}

std::string_view trim_trailing_slash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr Method kAllowOrder[] = {Method::get, Method::head,  Method::post,
                                  Method::put, Method::patch, Method::del};

}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return false;
    out.push_back(c);
    i += 2;
  }
  return true;
}

const Route& Router::add(Route route) {
  std::string_view pattern = trim_trailing_slash(route.pattern);
  bool has_params = pattern.find(':') != std::string_view::npos;
  Pattern* target = nullptr;
  if (!has_params) {
    auto [it, inserted] = static_.try_emplace(std::string(pattern), static_patterns_.size());
    if (inserted) static_patterns_.push_back(Pattern{});
    target = &static_patterns_[it->second];
  } else {
    std::vector<std::string> segments;
    for (auto s : split_path(pattern))
      segments.emplace_back(s);
    for (auto& p : patterns_)
      if (p.segments == segments) target = &p;
    if (target == nullptr) {
      patterns_.push_back(Pattern{std::move(segments), {}});
      target = &patterns_.back();
    }
  }
  for (const Route* r : target->by_method)
    if (r->method == route.method)
      throw std::logic_error("duplicate route " + std::string(method_name(route.method)) + " " +
                             route.pattern);
  route.index = routes_.size();
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  target->by_method.push_back(routes_.back().get());
  return *routes_.back();
}

RouteMatch Router::match(Method method, std::string_view raw_path) const {
  RouteMatch result;
  std::string_view path = trim_trailing_slash(raw_path);
  // HEAD is served by the GET route unless a route says otherwise.
  auto pick = [&](const std::vector<Route*>& routes) -> const Route* {
    const Route* get_route = nullptr;
    for (const Route* r : routes) {
      if (r->method == method) return r;
      if (r->method == Method::get) get_route = r;
    }
    return method == Method::head ? get_route : nullptr;
  };
  std::vector<const std::vector<Route*>*> matched;  // every pattern that fits the path

  if (auto it = static_.find(path); it != static_.end()) {
    const auto& routes = static_patterns_[it->second].by_method;
    matched.push_back(&routes);
    if (const Route* r = pick(routes)) {
      result.route = r;
      return result;
    }
  }
  auto segments = split_path(path);
  for (const auto& p : patterns_) {
    if (p.segments.size() != segments.size()) continue;
    std::vector<std::pair<std::string, std::string>> params;
    bool fits = true;
    for (std::size_t i = 0; i < segments.size() && fits; ++i) {
      const std::string& want = p.segments[i];
      if (!want.empty() && want.front() == ':') {
        std::string value;
        fits = !segments[i].empty() && percent_decode(segments[i], value);
        if (fits) params.emplace_back(want.substr(1), std::move(value));
      } else {
        fits = want == segments[i];
      }
    }
    if (!fits) continue;
    matched.push_back(&p.by_method);
    if (const Route* r = pick(p.by_method)) {
      result.route = r;
      result.params = std::move(params);
      return result;
    }
  }
  if (matched.empty()) return result;
  result.path_known = true;
  for (Method m : kAllowOrder) {
    bool allowed = false;
    for (const auto* routes : matched)
      for (const Route* r : *routes)
        allowed = allowed || r->method == m || (m == Method::head && r->method == Method::get);
    if (allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += method_name(m);
    }
  }
  result.allow += result.allow.empty() ? "OPTIONS" : ", OPTIONS";
  return result;
}

}  // namespace shop::http
