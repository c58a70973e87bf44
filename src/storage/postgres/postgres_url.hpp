#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::storage::postgres {

// A PostgreSQL DATABASE_URL checked by libpq, with what logs and messages may show of it.
struct PostgresUrl {
  std::string uri;       // as given; holds the password, never log it
  std::string host;      // "" when libpq's default (the local socket) applies
  std::string port;      // "" for the default 5432
  std::string database;  // "" when it defaults to the user name
  std::string password;  // decoded, only to scrub it from libpq's messages

  // "host:port/db", e.g. "db.internal:5432/shop"; never the user or password.
  std::string location() const;
};

// Parses postgres://... or postgresql://... (libpq's URI syntax, query parameters included).
// Throws std::runtime_error with one line that never contains the password.
PostgresUrl parse_postgres_url(std::string_view url);

// libpq keyword/value pairs for a connection: shopd's defaults first (connect_timeout,
// application_name, client_encoding, TCP keepalives), then the URL, whose own values win.
std::vector<std::pair<std::string, std::string>> connection_keywords(const PostgresUrl& url,
                                                                     int connect_timeout_seconds);

// Folds a libpq message into one line and removes the password from it.
std::string one_line_message(std::string_view message, std::string_view password);

}  // namespace shop::storage::postgres
