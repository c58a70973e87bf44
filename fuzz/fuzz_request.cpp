// Raw bytes from a client → the whole server: Beast's parser with shopd's limits, the session,
// the middleware, the router and every route, on SQLite in a temporary folder with a few demo
// products. The session is bound to TCP sockets, so each input goes over its own loopback
// connection; the input is sent, the write side shut, and the answers read until the server
// closes. "@ADMIN@" and "@USER@" in an input become valid bearer tokens, so the fuzzer reaches
// the routes behind authentication. Oracle: sanitizers, and no 500 answer (an unexpected
// exception) ever.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"
#include "auth/access_token.hpp"
#include "auth/refresh_token_store.hpp"
#include "auth/user_store.hpp"
#include "catalog/demo_catalog.hpp"
#include "core/clock.hpp"
#include "core/digest.hpp"
#include "http/server.hpp"
#include "media/media_store.hpp"
#include "storage/migrator.hpp"

namespace {

using namespace std::chrono_literals;

const std::string kSecret(48, 'f');

// A fixed "now", so tokens in the corpus never expire.
class FixedClock final : public shop::Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

struct World {
  FixedClock clock;
  std::filesystem::path dir;
  std::unique_ptr<shop::app::App> app;
  std::string admin_token, user_token;
  std::uint16_t port = 0;
};

World* world = nullptr;

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string user(shop::storage::Database& db, const char* id, const char* role) {
  shop::auth::User u{id, std::string(role) + "@example.com", "Fuzz", "not-a-hash", role, {}, 1, 1};
  auto lease = db.acquire();
  shop::auth::UserStore().insert(lease, u);
  // A login session of the user, as a login makes: access tokens are honoured only in one.
  std::string session = std::string("session-") + id;
  shop::auth::RefreshTokenStore().insert(
      lease,
      shop::auth::RefreshToken{std::string("token-") + id, session, id, 1, 1LL << 50, {}, {}},
      shop::sha256_hex(session));
  shop::auth::AccessTokens tokens(kSecret, std::chrono::seconds(900), world->clock);
  return tokens.issue(id, session);
}

// Walks the answers one by one (status line, headers, Content-Length bytes of body) and says
// whether one has status 500. Stops where it cannot follow (e.g. after a HEAD answer, which has
// a Content-Length but no body).
bool any_status_500(std::string_view answers) {
  while (answers.starts_with("HTTP/1.1 ") && answers.size() >= 12) {
    std::string_view status = answers.substr(9, 3);
    if (status == "500") return true;
    std::size_t end = answers.find("\r\n\r\n");
    if (end == std::string_view::npos) return false;
    std::string head(answers.substr(0, end));
    for (char& c : head)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t body = 0;
    if (std::size_t at = head.find("\r\ncontent-length: "); at != std::string::npos)
      body = std::strtoull(head.c_str() + at + 18, nullptr, 10);
    if (status.starts_with("1")) body = 0;
    if (end + 4 + body > answers.size()) return false;
    answers.remove_prefix(end + 4 + body);
  }
  return false;
}

// A new loopback connection to the server. It closes with a reset (SO_LINGER 0), so hundreds of
// inputs a second do not use up the ephemeral ports in TIME_WAIT. A server that stops accepting
// connections is a finding.
int connect_to_server() {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(world->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    timeval timeout{2, 0};
    linger no_linger{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    std::perror("fuzz_request: connect");
    ::close(fd);
    ::usleep(10000);
  }
  std::fprintf(stderr, "fuzz_request: the server stopped accepting connections\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world = new World;
  std::string pattern = (std::filesystem::temp_directory_path() / "shopd-fuzz.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  world->dir = pattern;
  // The server keeps running until the process exits; its folder goes with it.
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(world->dir, ec);
  });
  std::string db_url = "sqlite://" + (world->dir / "shopd.db").string();
  {
    auto db = shop::storage::open_and_migrate(db_url, {.pool_size = 1}).db;
    shop::media::MediaStore media((world->dir / "media").string());
    shop::catalog::seed_demo_catalog(*db, media, 5, 1'790'000'000'000);
    world->admin_token = user(*db, "00000000000000000000000a", "admin");
    world->user_token = user(*db, "00000000000000000000000b", "user");
  }
  shop::app::Environment env({{"HOST", "127.0.0.1"},
                              {"PORT", "0"},
                              {"DATABASE_URL", db_url},
                              {"MEDIA_DIR", (world->dir / "media").string()},
                              {"JWT_SECRET", kSecret},
                              {"JWT_REFRESH_SECRET", kSecret},
                              {"RATE_LIMIT_MAX", "0"},
                              {"AUTH_RATE_LIMIT_MAX", "0"},
                              {"WORKER_THREADS", "4"},
                              {"IO_THREADS", "1"},
                              {"LOG_LEVEL", "off"}});
  shop::app::AppHooks hooks;
  hooks.clock = &world->clock;
  hooks.server_options = [](shop::http::ServerOptions& o) {
    o.header_timeout = 300ms;
    o.body_timeout = 300ms;
    o.idle_timeout = 300ms;
    o.write_timeout = 300ms;
    o.sweep_interval = 50ms;
  };
  auto log =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  world->app = std::make_unique<shop::app::App>(shop::app::load_config(env), log, std::move(hooks));
  world->app->start();
  world->port = world->app->port();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  replace_all(input, "@ADMIN@", world->admin_token);
  replace_all(input, "@USER@", world->user_token);

  int fd = connect_to_server();
  for (std::size_t sent = 0; sent < input.size();) {
    ssize_t n = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early (it refused the request): fine
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answers;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answers.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // An answer with status 500 means a handler threw something unexpected.
  if (any_status_500(answers)) __builtin_trap();
  return 0;
}
