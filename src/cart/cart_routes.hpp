#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::cart {

class CartService;

// The /api/cart table of the contract; media_base_url is PUBLIC_URL + "/media/".
void add_cart_routes(http::Router& router, CartService& service, std::string media_base_url);

}  // namespace shop::cart
