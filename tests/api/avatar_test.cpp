// POST /api/users/avatar over a real socket, on every backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "backends.hpp"
#include "http_client.hpp"
#include "multipart_body.hpp"
#include "test_images.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

namespace fs = std::filesystem;

std::size_t file_count(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

class AvatarApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
    server_ = std::make_unique<TestServer>(Env{{"DATABASE_URL", db_.url},
                                               {"MEDIA_DIR", media().string()},
                                               {"PUBLIC_URL", "https://shop.example"},
                                               {"JWT_SECRET", std::string(40, 'j')},
                                               {"JWT_REFRESH_SECRET", std::string(40, 'r')}});
    client_ = std::make_unique<HttpClient>(server_->port());
    auto r =
        client_->post_json("/api/users/register",
                           R"({"name":"Ada","email":"ada@example.com","password":"password1"})");
    ASSERT_EQ(r.status, 201);
    bearer_ = {{"Authorization", "Bearer " + std::string(r.json().at("accessToken").as_string())}};
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    if (db_.drop) db_.drop();
  }
  fs::path media() const { return dir_.path() / "media"; }
  HttpResponse upload(const MultipartBody& body, Headers headers) {
    headers.emplace_back("Content-Type", MultipartBody::content_type());
    return client_->request("POST", "/api/users/avatar", body.str(), headers);
  }

  TempDir dir_;
  FreshDatabase db_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> client_;
  Headers bearer_;
};

TEST_P(AvatarApi, Upload_SetsTheProfileAvatar_StrippedAndResized_AndReplacesTheOldFile) {
  MultipartBody first;
  first.file("avatar", "me.jpg", "image/jpeg", make_jpeg(1200, 900, true));
  auto r = upload(first, bearer_);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string url(r.json().at("avatar").at("url").as_string());
  EXPECT_THAT(url, ::testing::MatchesRegex("https://shop.example/media/[0-9a-f]{32}\\.jpg"));
  EXPECT_EQ(r.json().at("email"), "ada@example.com");
  auto served = client_->get(url.substr(url.find("/media/")));
  ASSERT_EQ(served.status, 200);
  EXPECT_FALSE(contains_exif(served.body));
  auto decoded = decode_image(served.body);
  EXPECT_EQ(decoded.width, 400);
  EXPECT_EQ(decoded.height, 300);
  auto profile = client_->get("/api/users/profile", bearer_);
  EXPECT_EQ(profile.json().at("avatar").at("url").as_string(), url);
  EXPECT_EQ(file_count(media()), 1u);

  MultipartBody second;
  second.file("avatar", "me.png", "image/png", make_png(300, 300, false));
  auto replaced = upload(second, bearer_);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_NE(replaced.json().at("avatar").at("url").as_string(), url);
  EXPECT_EQ(file_count(media()), 1u);  // the old file is gone
  EXPECT_EQ(client_->get(url.substr(url.find("/media/"))).status, 404);
}

TEST_P(AvatarApi, BadRequests_ChangeNothing) {
  MultipartBody svg;
  svg.file("avatar", "me.svg", "image/svg+xml", svg_document());
  EXPECT_EQ(upload(svg, bearer_).status, 415);
  MultipartBody wrong_field;
  wrong_field.file("image", "me.jpg", "image/jpeg", make_jpeg(100, 100, false));
  EXPECT_EQ(upload(wrong_field, bearer_).status, 400);
  MultipartBody empty;
  empty.field("avatar", "");
  EXPECT_EQ(upload(empty, bearer_).status, 400);
  MultipartBody bomb;
  bomb.file("avatar", "b.png", "image/png", make_pixel_bomb_png());
  EXPECT_EQ(upload(bomb, bearer_).status, 400);
  MultipartBody ok;
  ok.file("avatar", "me.jpg", "image/jpeg", make_jpeg(100, 100, false));
  EXPECT_EQ(upload(ok, {}).status, 401);
  EXPECT_EQ(client_
                ->request("POST", "/api/users/avatar", R"({"avatar":"x"})",
                          {bearer_[0], {"Content-Type", "application/json"}})
                .status,
            415);
  EXPECT_TRUE(client_->get("/api/users/profile", bearer_).json().at("avatar").is_null());
  EXPECT_EQ(file_count(media()), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AvatarApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
