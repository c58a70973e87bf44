#include "http/error_response.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json/parse.hpp>
#include <sstream>

namespace shop::http {
namespace {

TEST(ErrorResponse, CodesMapToTheContractStatuses) {
  EXPECT_EQ(status_for(ErrorCode::invalid_input), 400);
  EXPECT_EQ(status_for(ErrorCode::unauthenticated), 401);
  EXPECT_EQ(status_for(ErrorCode::forbidden), 403);
  EXPECT_EQ(status_for(ErrorCode::not_found), 404);
  EXPECT_EQ(status_for(ErrorCode::method_not_allowed), 405);
  EXPECT_EQ(status_for(ErrorCode::conflict), 409);
  EXPECT_EQ(status_for(ErrorCode::payload_too_large), 413);
  EXPECT_EQ(status_for(ErrorCode::unsupported_media), 415);
  EXPECT_EQ(status_for(ErrorCode::rate_limited), 429);
  EXPECT_EQ(status_for(ErrorCode::headers_too_large), 431);
  EXPECT_EQ(status_for(ErrorCode::uri_too_long), 414);
  EXPECT_EQ(status_for(ErrorCode::not_implemented), 501);
  EXPECT_EQ(status_for(ErrorCode::unavailable), 503);
}

TEST(ErrorResponse, BodyHasMessageAndFieldErrors) {
  auto r = error_response(Error(ErrorCode::invalid_input, "Validation failed",
                                {{"price", "must be a number >= 0"}, {"name", "is required"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
  auto j = boost::json::parse(r.body);
  EXPECT_EQ(j.at("message"), "Validation failed");
  EXPECT_EQ(j.at("errors").as_array().size(), 2u);
  EXPECT_EQ(j.at("errors").at(1).at("field"), "name");
}

TEST(ErrorResponse, NoFieldErrorsMeansNoErrorsKey) {
  auto j =
      boost::json::parse(error_response(Error(ErrorCode::not_found, "Product not found")).body);
  EXPECT_FALSE(j.as_object().contains("errors"));
}

TEST(ErrorResponse, MessagesAreJsonEscaped) {
  auto j = boost::json::parse(error_response(409, "Not enough stock for \"Mug\"\n").body);
  EXPECT_EQ(j.at("message"), "Not enough stock for \"Mug\"\n");
}

TEST(ErrorResponse, UnknownExceptionsAreGeneric500WithDetailsOnlyInTheLog) {
  std::ostringstream out;
  spdlog::logger log("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  auto r = response_for_exception(std::make_exception_ptr(std::runtime_error("db password=x")),
                                  "rid-9", log);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(boost::json::parse(r.body).at("message"), "Internal Server Error");
  EXPECT_EQ(r.body.find("password"), std::string::npos);
  log.flush();
  EXPECT_NE(out.str().find("rid=rid-9"), std::string::npos);
  auto other = response_for_exception(std::make_exception_ptr(42), "rid-10", log);
  EXPECT_EQ(other.status, 500);
}

TEST(ErrorResponse, PublicErrorsKeepTheirStatus) {
  std::ostringstream out;
  spdlog::logger log("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  auto r = response_for_exception(
      std::make_exception_ptr(Error(ErrorCode::conflict, "Email already registered")), "r", log);
  EXPECT_EQ(r.status, 409);
  log.flush();
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace shop::http

namespace shop::http {
namespace {

TEST(ErrorResponse, RetryAfterBecomesAHeader) {
  auto r = error_response(Error(ErrorCode::rate_limited, "Too many login attempts")
                              .with_retry_after(std::chrono::seconds(42)));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.get("Retry-After"), "42");
}

}  // namespace
}  // namespace shop::http
