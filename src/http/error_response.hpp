#pragma once

#include <exception>
#include <string_view>

#include "core/error.hpp"
#include "http/message.hpp"

namespace spdlog {
class logger;
}

namespace shop::http {

int status_for(ErrorCode code);

// The contract's error body: {"message": "..."} plus "errors" for field errors.
Response error_response(const Error& error);
Response error_response(int status, std::string_view message);

// Turns whatever a handler threw into a response; unknown exceptions become a generic 500 and
// their details go to the log with the request id, never to the client.
Response response_for_exception(std::exception_ptr error, std::string_view request_id,
                                spdlog::logger& log);

}  // namespace shop::http
