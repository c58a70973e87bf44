#include "http/error_response.hpp"

#include <spdlog/logger.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace shop::http {

int status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input:
      return 400;
    case ErrorCode::unauthenticated:
      return 401;
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::method_not_allowed:
      return 405;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unsupported_media:
      return 415;
    case ErrorCode::headers_too_large:
      return 431;
    case ErrorCode::uri_too_long:
      return 414;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::not_implemented:
      return 501;
  }
  return 500;
}

Response error_response(const Error& error) {
  boost::json::object body;
  body["message"] = error.public_message();
  if (!error.fields().empty()) {
    boost::json::array fields;
    for (const auto& f : error.fields())
      fields.push_back({{"field", f.field}, {"message", f.message}});
    body["errors"] = std::move(fields);
  }
  Response r = Response::json(status_for(error.code()), boost::json::serialize(body));
  if (auto after = error.retry_after())
    r.headers.add("Retry-After", std::to_string(after->count()));
  if (const auto& limit = error.rate_limit()) {
    r.headers.add("RateLimit-Limit", std::to_string(limit->limit));
    r.headers.add("RateLimit-Remaining", std::to_string(limit->remaining));
    r.headers.add("RateLimit-Reset", std::to_string(limit->reset.count()));
  }
  return r;
}

Response error_response(int status, std::string_view message) {
  boost::json::object body;
  body["message"] = message;
  return Response::json(status, boost::json::serialize(body));
}

Response response_for_exception(std::exception_ptr error, std::string_view request_id,
                                spdlog::logger& log) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return error_response(e);
  } catch (const std::exception& e) {
    log.error("unhandled error rid={} what={}", request_id, e.what());
  } catch (...) {
    log.error("unhandled error rid={} what=<non-standard exception>", request_id);
  }
  return error_response(500, "Internal Server Error");
}

}  // namespace shop::http
