// deploy/nginx/shopd.conf in front of the real app on loopback. Every location that proxies to
// shopd must hand it the address nginx saw, whatever X-Forwarded-For the client sent: with
// TRUST_PROXY=1 a forged header must buy no fresh rate-limit budget, and each client must keep a
// budget of its own.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/router.hpp"
#include "http_client.hpp"
#include "ports.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;

const std::string kClientA = "127.0.0.1";
const std::string kClientB = "127.0.0.2";  // all of 127/8 is loopback on Linux
constexpr int kBudget = 5;                 // RATE_LIMIT_MAX
constexpr const char* kSetpriv = "/usr/bin/setpriv";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// deploy/nginx/shopd.conf made runnable unprivileged on loopback, and what was changed.
struct LoopbackConfig {
  std::string text;
  int upstream_servers = 0;  // upstream `server` lines pointed at the test's shopd
  int tls_servers = 0;       // server blocks listening with ssl: kept, on plain HTTP
};

// Changes only what must change to run as any user on loopback; the locations and their
// proxy_set_header lines, which this test is about, stay exactly as written:
// - the upstream's servers become 127.0.0.1:<shopd_port>;
// - the TLS server listens on plain HTTP at 127.0.0.1:<listen_port> and loses its ssl_*
//   directives: TLS termination is not what this test checks (scripts/test.sh's nginx -t checks
//   that part of the file);
// - the port-80 redirect server is left out: it proxies nothing;
// - `allow 127.0.0.0/8` goes before `deny all`, so that /metrics answers the test's clients
//   (10.0.0.0/8 stays allowed).
LoopbackConfig loopback_config(const std::string& original, std::uint16_t shopd_port,
                               std::uint16_t listen_port) {
  static const std::regex upstream_start(R"(^\s*upstream\s)");
  static const std::regex server_start(R"(^\s*server\s*\{)");
  static const std::regex upstream_server(R"(^(\s*server\s+)[^\s;]+(.*)$)");
  static const std::regex listen(R"(^\s*listen\s)");
  static const std::regex ssl_listen(R"(^\s*listen\s[^;]*\bssl\b)");
  static const std::regex ssl_directive(R"(^\s*ssl_\w+\s)");
  static const std::regex deny_all(R"(^(\s*)deny\s+all\s*;)");
  const std::string shopd = "127.0.0.1:" + std::to_string(shopd_port);

  LoopbackConfig c;
  auto add_server_block = [&](const std::vector<std::string>& lines) {
    bool tls = false;
    for (const auto& l : lines)
      tls = tls || std::regex_search(l, ssl_listen);
    if (!tls) {
      c.text += "# (a server block without TLS was left out here)\n";
      return;
    }
    ++c.tls_servers;
    bool listening = false;
    for (const auto& l : lines) {
      std::smatch m;
      if (std::regex_search(l, listen)) {
        if (!listening)
          c.text += "    listen 127.0.0.1:" + std::to_string(listen_port) + ";  # plain HTTP\n";
        listening = true;
      } else if (std::regex_search(l, ssl_directive)) {
        continue;
      } else if (std::regex_search(l, m, deny_all)) {
        c.text += m[1].str() + "allow 127.0.0.0/8;  # the test's clients\n" + l + "\n";
      } else {
        c.text += l + "\n";
      }
    }
  };

  enum class Block { none, upstream, server } block = Block::none;
  std::vector<std::string> server_lines;
  int depth = 0;
  std::istringstream in(original);
  std::string line;
  while (std::getline(in, line)) {
    const std::string code = line.substr(0, line.find('#'));  // braces in comments do not count
    const auto opens = std::count(code.begin(), code.end(), '{');
    const auto closes = std::count(code.begin(), code.end(), '}');
    if (depth == 0 && opens > 0) {
      if (std::regex_search(code, upstream_start)) block = Block::upstream;
      if (std::regex_search(code, server_start)) block = Block::server;
    }
    std::smatch m;
    if (block == Block::server) {
      server_lines.push_back(line);
    } else if (block == Block::upstream && depth == 1 &&
               std::regex_match(line, m, upstream_server)) {
      c.text += m[1].str() + shopd + m[2].str() + "\n";
      ++c.upstream_servers;
    } else {
      c.text += line + "\n";
    }
    depth += static_cast<int>(opens - closes);
    if (depth == 0 && block == Block::server) {
      add_server_block(server_lines);
      server_lines.clear();
    }
    if (depth == 0) block = Block::none;
  }
  return c;
}

// A minimal main configuration around it, everything inside `dir`, as scripts/test.sh's
// check_deploy_config has it. nginx runs with master_process off, so it never changes user: no
// `user` line is needed when the test runs as root.
std::string main_config(const std::string& dir) {
  std::string c = "pid " + dir + "/nginx.pid;\nerror_log stderr;\nevents {}\n";
  c += "http {\n  access_log off;\n";
  for (std::string temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    c += "  " + temp + "_temp_path " + dir + "/" + temp + ";\n";
  c += "  include " + dir + "/shopd.conf;\n}\n";
  return c;
}

// The client address shopd logged for each request to `path` (its access log's ip=), in order.
std::vector<std::string> logged_addresses(const std::string& logs, const std::string& path) {
  static const std::regex ip(R"( ip=(\S+))");
  std::vector<std::string> addresses;
  std::istringstream in(logs);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.find("access method=") != std::string::npos &&
        line.find(" path=" + path + " ") != std::string::npos && std::regex_search(line, m, ip))
      addresses.push_back(m[1].str());
  }
  return addresses;
}

// A route for these tests only: the X-Forwarded-For header shopd received.
app::AppHooks forwarded_for_echo() {
  app::AppHooks hooks;
  hooks.extra_routes = [](http::Router& r) {
    r.add({.method = http::Method::get,
           .pattern = "/test/forwarded-for",
           .handler = [](http::Request& req, http::RequestContext&) {
             auto forwarded = req.headers.get("X-Forwarded-For").value_or("(none)");
             return http::Response::text(200, std::string(forwarded), "text/plain; charset=utf-8");
           }});
  };
  return hooks;
}

class NginxInFront : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* configured = std::getenv("SHOPD_TEST_NGINX");
    const std::string nginx = configured != nullptr ? configured : "/usr/sbin/nginx";
    if (::access(nginx.c_str(), X_OK) != 0) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "nginx not found at " << nginx << ", and with CI=true this test must run, not "
               << "be skipped: install nginx (package nginx-light, scripts/install-deps.sh test) "
               << "or set SHOPD_TEST_NGINX to an nginx program";
      GTEST_SKIP() << "nginx not found at " << nginx << " (set SHOPD_TEST_NGINX to an nginx)";
    }
    server_ = std::make_unique<TestServer>(Env{{"TRUST_PROXY", "1"},
                                               {"RATE_LIMIT_MAX", std::to_string(kBudget)},
                                               {"RATE_LIMIT_WINDOW", "900"}},
                                           forwarded_for_echo());

    const std::string conf_path = std::string(SHOPD_SOURCE_DIR) + "/deploy/nginx/shopd.conf";
    const std::string original = read_text(conf_path);
    ASSERT_FALSE(original.empty()) << "cannot read " << conf_path;
    const std::string dir = dir_.str();
    const std::string main_conf = dir + "/nginx.conf";
    write_text(main_conf, main_config(dir));
    const std::vector<std::string> options = {"-e", "stderr", "-p", dir + "/", "-c", main_conf};

    // The port is free when picked but could be taken before nginx binds it: then try another.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_loopback_port();
      const LoopbackConfig c = loopback_config(original, server_->port(), port_);
      ASSERT_GE(c.upstream_servers, 1) << "no upstream server lines in " << conf_path;
      ASSERT_EQ(c.tls_servers, 1) << "expected one TLS server block in " << conf_path;
      write_text(dir + "/shopd.conf", c.text);
      std::vector<std::string> check = {nginx, "-t", "-q"};
      check.insert(check.end(), options.begin(), options.end());
      Subprocess test_run(check, {}, dir);
      ASSERT_EQ(test_run.wait(30s), 0) << "nginx -t on the loopback copy of " << conf_path << ":\n"
                                       << test_run.output() << "\nthe copy:\n"
                                       << c.text;

      // nginx must not outlive a test process that is killed (a ctest timeout, a sanitizer
      // abort): util-linux's setpriv gives it a parent-death signal, where it is installed.
      std::vector<std::string> run;
      if (::access(kSetpriv, X_OK) == 0) run = {kSetpriv, "--pdeathsig", "KILL", "--"};
      run.insert(run.end(), {nginx, "-g", "daemon off; master_process off;"});
      run.insert(run.end(), options.begin(), options.end());
      nginx_ = std::make_unique<Subprocess>(run, Env{}, dir);
      if (wait_until_listening()) return;
      nginx_->wait(5s);  // it stopped on its own (or is stopped now); its output is complete
      const std::string output = nginx_->output();
      nginx_.reset();
      if (output.find("Address already in use") == std::string::npos)
        FAIL() << "nginx did not start on 127.0.0.1:" << port_ << ":\n" << output;
    }
    FAIL() << "nginx found no free port on 127.0.0.1 in 5 attempts";
  }

  void TearDown() override {
    if (!nginx_) return;
    nginx_->signal(SIGQUIT);  // graceful shutdown
    EXPECT_EQ(nginx_->wait(10s), 0) << nginx_->output();
  }

  // Client A forges a new X-Forwarded-For on each request to `path` and still runs out after
  // kBudget; client B then has its whole budget, forged header or not, and shopd logs the source
  // addresses.
  void expect_a_budget_per_source_address(const std::string& path, int status) {
    HttpClient a(port_, kClientA, kClientA);
    for (int i = 0; i < kBudget; ++i)
      EXPECT_EQ(a.get(path, {{"X-Forwarded-For", "9.9.9." + std::to_string(i)}}).status, status)
          << "request " << i + 1;
    auto limited = a.get(path, {{"X-Forwarded-For", "9.9.9.9"}});
    EXPECT_EQ(limited.status, 429) << "a forged X-Forwarded-For bought a fresh budget";
    EXPECT_EQ(limited.header("RateLimit-Remaining"), "0");

    HttpClient b(port_, kClientA, kClientB);
    auto first = b.get(path);
    EXPECT_EQ(first.status, status) << "client B is counted in client A's budget";
    EXPECT_EQ(first.header("RateLimit-Remaining"), std::to_string(kBudget - 1));
    auto second = b.get(path, {{"X-Forwarded-For", "9.9.9.9"}});
    EXPECT_EQ(second.status, status);
    EXPECT_EQ(second.header("RateLimit-Remaining"), std::to_string(kBudget - 2))
        << "client B's own budget less its two requests";

    std::vector<std::string> expected(kBudget + 1, kClientA);
    expected.insert(expected.end(), {kClientB, kClientB});
    EXPECT_EQ(logged_addresses(server_->logs(), path), expected);
  }

  // Stops at nginx's first [emerg] line, or after 10 s.
  bool wait_until_listening() {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (nginx_->wait_for_output("[emerg]", 50ms)) return false;
      try {
        HttpClient probe(port_);
        return true;
      } catch (const std::runtime_error&) {
      }
    }
    return false;
  }

  TempDir dir_;  // declared first, so removed last: nginx runs inside it
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Subprocess> nginx_;
  std::uint16_t port_ = 0;  // nginx's
};

TEST_F(NginxInFront, Products_ForgedForwardedFor_CountsUnderTheSourceAddress) {
  expect_a_budget_per_source_address("/api/products", 200);
}

TEST_F(NginxInFront, Media_ForgedForwardedFor_CountsUnderTheSourceAddress) {
  // A name the media store could have written but never did: 404, counted like any request.
  expect_a_budget_per_source_address("/media/0123456789abcdef0123456789abcdef.jpg", 404);
}

TEST_F(NginxInFront, Metrics_ForgedForwardedFor_ShopdSeesTheSourceAddress) {
  // /metrics is not rate limited: the access log shows which address shopd took.
  HttpClient a(port_, kClientA, kClientA);
  HttpClient b(port_, kClientA, kClientB);
  EXPECT_EQ(a.get("/metrics", {{"X-Forwarded-For", "9.9.9.9"}}).status, 200);
  EXPECT_EQ(b.get("/metrics", {{"X-Forwarded-For", "9.9.9.9"}}).status, 200);
  EXPECT_EQ(b.get("/metrics").status, 200);
  EXPECT_EQ(logged_addresses(server_->logs(), "/metrics"),
            (std::vector<std::string>{kClientA, kClientB, kClientB}));
}

TEST_F(NginxInFront, Root_ClientForwardedFor_IsReplacedByTheSourceAddress) {
  // Replaced, not appended to: shopd receives the one address nginx saw.
  HttpClient b(port_, kClientA, kClientB);
  auto r = b.get("/test/forwarded-for", {{"X-Forwarded-For", "9.9.9.9"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kClientB);
}

}  // namespace
}  // namespace shop::test
