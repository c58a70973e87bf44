#pragma once

#include <string>

#include "analytics/analytics_service.hpp"

namespace shop::analytics {

// The report as the contract writes it: money as decimal numbers like product prices, growth in
// percent with one decimal (or null), dates as YYYY-MM-DD, image URLs under media_base_url.
std::string report_json(const Report& report, const std::string& media_base_url);

}  // namespace shop::analytics
