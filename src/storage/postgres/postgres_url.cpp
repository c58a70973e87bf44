#include "storage/postgres/postgres_url.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <memory>
#include <stdexcept>

namespace shop::storage::postgres {
namespace {

constexpr std::string_view kUrlForm = "postgres://user:pass@host:port/db?param=value";

// The text between "://" and the last '@' of the authority: where a password is written raw.
std::string_view raw_credentials(std::string_view url) {
  const auto start = url.find("://");
  if (start == std::string_view::npos) return {};
  const auto authority = url.substr(start + 3);
  const auto at = authority.rfind('@');
  return at == std::string_view::npos ? std::string_view() : authority.substr(0, at);
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

}  // namespace

std::string PostgresUrl::location() const {
  return fmt::format("{}:{}/{}", host.empty() ? "localhost" : host, port.empty() ? "5432" : port,
                     database);
}

PostgresUrl parse_postgres_url(std::string_view url) {
  if (!url.starts_with("postgres://") && !url.starts_with("postgresql://")) {
    throw std::runtime_error(fmt::format("DATABASE_URL must look like {}", kUrlForm));
  }
  PostgresUrl parsed;
  parsed.uri = std::string(url);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(parsed.uri.c_str(), &error), &PQconninfoFree);
  if (!options) {
    std::string reason = error != nullptr ? one_line_message(error, "") : "out of memory";
    PQfreemem(error);
    // libpq quotes the part it could not read, which may be the password: then say less.
    const bool may_hold_password =
        !raw_credentials(url).empty() || url.find("password") != std::string_view::npos;
    if (may_hold_password) {
      throw std::runtime_error(
          fmt::format("DATABASE_URL is not a valid PostgreSQL URL; use {} (percent-encode "
                      "special characters in the user and password)",
                      kUrlForm));
    }
    throw std::runtime_error(
        fmt::format("DATABASE_URL is not a valid PostgreSQL URL: {}; use {}", reason, kUrlForm));
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && parsed.host.empty())) {
      parsed.host = option->val;
    } else if (keyword == "port") {
      parsed.port = option->val;
    } else if (keyword == "dbname") {
      parsed.database = option->val;
    } else if (keyword == "password") {
      parsed.password = option->val;
    }
  }
  return parsed;
}

std::vector<std::pair<std::string, std::string>> connection_keywords(const PostgresUrl& url,
                                                                     int connect_timeout_seconds) {
  return {
      {"connect_timeout", std::to_string(connect_timeout_seconds)},
      {"application_name", "shopd"},
      {"client_encoding", "UTF8"},
      // A server that vanished without closing the socket is noticed within about a minute.
      {"keepalives", "1"},
      {"keepalives_idle", "30"},
      {"keepalives_interval", "10"},
      {"keepalives_count", "3"},
      {"dbname", url.uri},  // expanded by libpq; its parameters override the ones above
  };
}

std::string one_line_message(std::string_view message, std::string_view password) {
  std::string line;
  std::string_view gap;  // what separates the next word from the previous one
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      if (!line.empty()) gap = "; ";
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (!line.empty() && gap.empty()) gap = " ";
      continue;
    }
    line += gap;
    gap = {};
    line += c;
  }
  replace_all(line, password, "***");
  return line;
}

}  // namespace shop::storage::postgres
