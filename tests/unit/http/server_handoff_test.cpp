// The server's hand-offs between threads, under concurrent keep-alive clients: requests that
// run on the I/O thread, on the worker pool, on a route's own pool, and uploads authorized on a
// worker before their body is read. Built with ThreadSanitizer too (tests/tsan).
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <latch>
#include <thread>

#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http_client.hpp"

namespace shop::http {
namespace {

constexpr std::size_t kUpload = 2 * 1024 * 1024;  // beyond the 1 MiB of routes without uploads

class ServerHandoff : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add({.method = Method::get,
                 .pattern = "/io",
                 .handler = [](Request&, RequestContext&) { return Response::json(200, "1"); },
                 .execution = Execution::io_thread});
    router_.add(
        {.method = Method::get, .pattern = "/work", .handler = [this](Request&, RequestContext&) {
           return Response::json(200, std::to_string(++worked_));
         }});
    router_.add({.method = Method::get,
                 .pattern = "/pooled",
                 .handler =
                     [this](Request&, RequestContext&) {
                       return Response::json(200, std::to_string(++pooled_));
                     },
                 .pool = &own_pool_});
    router_.add({.method = Method::post,
                 .pattern = "/upload",
                 .handler =
                     [](Request& req, RequestContext& ctx) {
                       return Response::json(
                           200, std::to_string(req.body.size()) + "," + ctx.user.value().id);
                     },
                 .access = Access::user,
                 .bodies = static_cast<unsigned>(BodyKind::multipart)});
    pipeline_.set_body_gate(
        {[](const Request& req) {
           if (!req.headers.get("Authorization"))
             throw Error(ErrorCode::unauthenticated, "Not authorized, no token");
         },
         [](const Request& req, RequestContext& ctx) {
           std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a database lookup
           if (req.headers.get("Authorization") != "Bearer ok")
             throw Error(ErrorCode::forbidden, "Not authorized as an admin");
           ctx.user = AuthUser{"u1", "user", "s1"};
         }});
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.upload_body_limit = 4 * 1024 * 1024;
    server_ = std::make_unique<Server>(options, pipeline_, workers_, log_);
    server_->start();
  }
  void TearDown() override {
    server_->shutdown();
    server_->wait();
    workers_.stop();
    own_pool_.stop();
  }

  std::string upload_head(const std::string& auth) const {
    return "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n" +
           (auth.empty() ? "" : "Authorization: " + auth + "\r\n") +
           "Content-Length: " + std::to_string(kUpload) + "\r\n\r\n";
  }

  spdlog::logger log_{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  Router router_;
  Pipeline pipeline_{router_, log_};
  ThreadPool workers_{4, 256};
  ThreadPool own_pool_{2, 256};
  std::atomic<int> worked_{0}, pooled_{0};
  std::unique_ptr<Server> server_;
};

TEST_F(ServerHandoff, ConcurrentClients_EveryAnswerComesBackOnItsConnection) {
  constexpr int kClients = 8, kRounds = 25;
  std::atomic<int> failures{0}, uploads{0};
  std::latch go(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      test::HttpClient c(server_->port());
      go.arrive_and_wait();
      for (int r = 0; r < kRounds; ++r) {
        if (c.get("/io").status != 200) ++failures;
        if (c.get("/work").status != 200) ++failures;
        if (c.get("/pooled").status != 200) ++failures;
        if (i % 4 == 0 && r % 5 == 0) {
          // Authorized on a worker, then read back on the I/O thread.
          test::HttpClient up(server_->port());
          if (!up.send_raw(upload_head("Bearer ok")) || !up.send_raw(std::string(kUpload, 'x'))) {
            ++failures;
            continue;
          }
          auto answer = up.read_response(std::chrono::seconds(10));
          if (!answer || answer->status != 200 || answer->body != "2097152,u1")
            ++failures;
          else
            ++uploads;
        }
      }
    });
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(worked_.load(), kClients * kRounds);
  EXPECT_EQ(pooled_.load(), kClients * kRounds);
  EXPECT_EQ(uploads.load(), 2 * 5);
}

TEST_F(ServerHandoff, UploadsRefusedBeforeTheirBody_FromTheIoThreadOrAWorker) {
  for (auto [auth, status] : {std::pair<std::string, int>{"", 401}, {"Bearer other", 403}}) {
    test::HttpClient c(server_->port());
    ASSERT_TRUE(c.send_raw(upload_head(auth)));
    auto answer = c.read_response(std::chrono::seconds(5));
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, status);
    EXPECT_TRUE(c.wait_closed());
  }
}

}  // namespace
}  // namespace shop::http
