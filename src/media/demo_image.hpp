#pragma once

#include <cstdint>
#include <string>

namespace shop::media {

// A JPEG picture for demo products (a two-colour gradient with a disc, colours from `seed`);
// generated, so the repository holds no image files. init_image_library() must have run.
std::string render_demo_image(std::uint32_t seed, int size = 800);

}  // namespace shop::media
