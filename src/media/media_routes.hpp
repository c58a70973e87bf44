#pragma once

#include "http/router.hpp"

namespace shop::media {

class MediaStore;

// GET /media/:file — stored images, immutable, embeddable from other origins.
void add_media_routes(http::Router& router, const MediaStore& store);

}  // namespace shop::media
