#include "media/image_pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "test_images.hpp"

namespace shop::media {
namespace {

using test::contains_exif;
using test::contains_gps_exif;
using test::decode_image;

constexpr std::string_view kUnsupported = "Image must be a JPEG, PNG or WebP file";
constexpr std::string_view kUndecodable = "Image could not be decoded";
constexpr std::string_view kTooLarge = "Image is larger than 40 megapixels";

class ImagePipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_image_library(); }
};

// The error process_image throws, or a failure if it accepted the bytes.
Error rejection_of(std::string_view bytes, const ImageLimits& limits = {}) {
  try {
    process_image(bytes, limits);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "accepted " << bytes.size() << " bytes starting with "
                << ::testing::PrintToString(std::string(bytes.substr(0, 16)));
  return Error(ErrorCode::not_found, "accepted");
}

// The image with its header claiming width x height: the pixel data stays that of the original.
std::string with_declared_size(std::string image, int width, int height) {
  const auto put_be16 = [&](std::size_t at, int v) {
    image[at] = static_cast<char>((v >> 8) & 0xFF);
    image[at + 1] = static_cast<char>(v & 0xFF);
  };
  const auto put_le14 = [&](std::size_t at, int v) {
    image[at] = static_cast<char>(v & 0xFF);
    image[at + 1] = static_cast<char>((v >> 8) & 0x3F);
  };
  if (sniff_format(image) == ImageFormat::jpeg) {
    // SOF0 or SOF2: FF C0/C2, length (2), precision (1), height (2), width (2).
    for (std::size_t at = 2; at + 9 < image.size(); ++at) {
      if (image[at] == '\xFF' && (image[at + 1] == '\xC0' || image[at + 1] == '\xC2')) {
        put_be16(at + 5, height);
        put_be16(at + 7, width);
        return image;
      }
    }
  } else if (sniff_format(image) == ImageFormat::webp) {
    // Extended header: 24-bit canvas width-1 and height-1; both sizes must agree.
    if (image.substr(12, 4) == "VP8X") {
      for (int i = 0; i < 3; ++i) {
        image[24 + i] = static_cast<char>(((width - 1) >> (8 * i)) & 0xFF);
        image[27 + i] = static_cast<char>(((height - 1) >> (8 * i)) & 0xFF);
      }
    }
    // Lossy bitstream: 3-byte frame tag, 9D 01 2A, then 14-bit width and height.
    if (const auto vp8 = image.find("VP8 ", 12); vp8 != std::string::npos) {
      put_le14(vp8 + 8 + 6, width);
      put_le14(vp8 + 8 + 8, height);
      return image;
    }
    // Lossless bitstream: 0x2F, then width-1 and height-1 in 14 bits each, little-endian.
    if (const auto vp8l = image.find("VP8L", 12); vp8l != std::string::npos) {
      const std::size_t at = vp8l + 8 + 1;
      std::uint32_t bits = 0;
      for (int i = 3; i >= 0; --i)
        bits = bits << 8 | static_cast<unsigned char>(image[at + static_cast<std::size_t>(i)]);
      bits = (bits & ~0x0FFFFFFFu) | static_cast<std::uint32_t>(width - 1) |
             static_cast<std::uint32_t>(height - 1) << 14;
      for (int i = 0; i < 4; ++i)
        image[at + static_cast<std::size_t>(i)] = static_cast<char>((bits >> (8 * i)) & 0xFF);
      return image;
    }
  }
  ADD_FAILURE() << "no size field found";
  return image;
}

// Metadata fields that must never reach a served image.
std::vector<std::string> leaked_metadata(const test::DecodedImage& decoded) {
  std::vector<std::string> leaked;
  for (const std::string& field : decoded.metadata) {
    if (field.starts_with("exif") || field.starts_with("xmp") || field.starts_with("iptc") ||
        field.starts_with("icc") || field.starts_with("photoshop") || field == "orientation" ||
        field.starts_with("gps"))
      leaked.push_back(field);
  }
  return leaked;
}

struct FormatCase {
  ImageFormat format;
  std::function<std::string(int, int, bool)> make;
};

std::string PrintFormat(const ::testing::TestParamInfo<FormatCase>& info) {
  return std::string(extension(info.param.format));
}

class EachFormat : public ImagePipeline, public ::testing::WithParamInterface<FormatCase> {};

INSTANTIATE_TEST_SUITE_P(
    ImagePipeline, EachFormat,
    ::testing::Values(FormatCase{ImageFormat::jpeg,
                                 [](int w, int h, bool gps) { return test::make_jpeg(w, h, gps); }},
                      FormatCase{ImageFormat::png,
                                 [](int w, int h, bool gps) { return test::make_png(w, h, gps); }},
                      FormatCase{
                          ImageFormat::webp,
                          [](int w, int h, bool gps) { return test::make_webp(w, h, gps); }}),
    PrintFormat);

TEST(ImageFormats, ExtensionsAndContentTypes) {
  EXPECT_EQ(extension(ImageFormat::jpeg), "jpg");
  EXPECT_EQ(extension(ImageFormat::png), "png");
  EXPECT_EQ(extension(ImageFormat::webp), "webp");
  EXPECT_EQ(content_type(ImageFormat::jpeg), "image/jpeg");
  EXPECT_EQ(content_type(ImageFormat::png), "image/png");
  EXPECT_EQ(content_type(ImageFormat::webp), "image/webp");
}

TEST_F(ImagePipeline, SniffFormat_JudgesByMagicBytesOnly) {
  EXPECT_EQ(sniff_format(test::make_jpeg(8, 8)), ImageFormat::jpeg);
  EXPECT_EQ(sniff_format(test::make_png(8, 8)), ImageFormat::png);
  EXPECT_EQ(sniff_format(test::make_webp(8, 8)), ImageFormat::webp);
  EXPECT_EQ(sniff_format(test::make_webp(8, 8, false, true)), ImageFormat::webp);
  EXPECT_FALSE(sniff_format(""));
  EXPECT_FALSE(sniff_format("\xFF\xD8"));  // too short to be a JPEG
  EXPECT_FALSE(sniff_format(std::string("\x89PNG\r\n\x1A", 7)));
  EXPECT_FALSE(sniff_format(test::gif_image()));
  EXPECT_FALSE(sniff_format(test::svg_document()));
  EXPECT_FALSE(sniff_format(test::text_file()));
  EXPECT_FALSE(sniff_format("RIFF\x24\x00\x00\x00WAVEfmt "));  // a RIFF that is audio
  EXPECT_FALSE(sniff_format("RIFF\x24\x00\x00\x00WEBPXXXX"));  // WEBP without a VP8 chunk
  EXPECT_FALSE(sniff_format("<html>\xFF\xD8\xFF</html>"));     // magic not at the start
}

TEST_P(EachFormat, LargeImage_ShrinksToListAndDetailInItsOwnFormat) {
  const ProcessedImage out = process_image(GetParam().make(2000, 1000, false));
  EXPECT_EQ(out.list.format, GetParam().format);
  EXPECT_EQ(out.detail.format, GetParam().format);
  EXPECT_EQ(sniff_format(out.list.bytes), GetParam().format);
  EXPECT_EQ(sniff_format(out.detail.bytes), GetParam().format);
  EXPECT_EQ(out.list.width, 400);
  EXPECT_EQ(out.list.height, 200);
  EXPECT_EQ(out.detail.width, 1200);
  EXPECT_EQ(out.detail.height, 600);
  // The declared sizes are what a browser will actually decode.
  const test::DecodedImage list = decode_image(out.list.bytes);
  const test::DecodedImage detail = decode_image(out.detail.bytes);
  EXPECT_EQ(list.width, 400);
  EXPECT_EQ(list.height, 200);
  EXPECT_EQ(detail.width, 1200);
  EXPECT_EQ(detail.height, 600);
  EXPECT_TRUE(detail.srgb);
  EXPECT_EQ(detail.bands, 3);
}

TEST_P(EachFormat, PortraitImage_KeepsAspectRatio) {
  const ProcessedImage out = process_image(GetParam().make(1000, 2000, false));
  EXPECT_EQ(out.list.width, 200);
  EXPECT_EQ(out.list.height, 400);
  EXPECT_EQ(out.detail.width, 600);
  EXPECT_EQ(out.detail.height, 1200);
}

TEST_P(EachFormat, SmallImage_IsNeverUpscaled) {
  const ProcessedImage out = process_image(GetParam().make(300, 200, false));
  EXPECT_EQ(out.list.width, 300);
  EXPECT_EQ(out.list.height, 200);
  EXPECT_EQ(out.detail.width, 300);
  EXPECT_EQ(out.detail.height, 200);
  EXPECT_EQ(decode_image(out.detail.bytes).width, 300);
  // Between the boxes: the list shrinks, the detail stays.
  const ProcessedImage mid = process_image(GetParam().make(800, 600, false));
  EXPECT_EQ(mid.list.width, 400);
  EXPECT_EQ(mid.list.height, 300);
  EXPECT_EQ(mid.detail.width, 800);
  EXPECT_EQ(mid.detail.height, 600);
}

TEST_P(EachFormat, Fixture_WithGpsExif_ReallyCarriesTheGpsTags) {
  const std::string image = GetParam().make(64, 48, true);
  EXPECT_TRUE(contains_exif(image));
  EXPECT_TRUE(contains_gps_exif(image));
  EXPECT_NE(image.find("shopd-test-camera"), std::string::npos);
  const test::DecodedImage decoded = decode_image(image);
  EXPECT_NE(std::find(decoded.metadata.begin(), decoded.metadata.end(), "exif-ifd3-GPSLatitude"),
            decoded.metadata.end());
  EXPECT_FALSE(test::metadata_blocks(image).empty());
  // And the plain fixture has none, so the helpers do tell the difference.
  EXPECT_FALSE(contains_gps_exif(GetParam().make(64, 48, false)));
}

TEST_P(EachFormat, GpsExif_IsGoneFromBothRenditions_InBytesAndFields) {
  const ProcessedImage out = process_image(GetParam().make(1600, 1200, true));
  for (const Rendition* r : {&out.list, &out.detail}) {
    EXPECT_FALSE(contains_exif(r->bytes)) << extension(r->format) << " " << r->width;
    EXPECT_FALSE(contains_gps_exif(r->bytes));
    EXPECT_EQ(r->bytes.find("shopd-test-camera"), std::string::npos);
    EXPECT_EQ(r->bytes.find(std::string_view("Exif\0\0", 6)), std::string::npos);
    EXPECT_EQ(test::metadata_blocks(r->bytes), std::vector<std::string>{});
    const test::DecodedImage decoded = decode_image(r->bytes);
    EXPECT_EQ(leaked_metadata(decoded), std::vector<std::string>{});
  }
}

TEST_P(EachFormat, OurOwnOutput_ProcessesAgainToTheSameSizes) {
  // Outputs differ in layout from the fixtures (e.g. a plain "VP8 " WebP, no VP8X): the header
  // reading must accept every valid layout.
  const ProcessedImage first = process_image(GetParam().make(1000, 700, false));
  const ProcessedImage again = process_image(first.detail.bytes);
  EXPECT_EQ(again.detail.width, 1000);
  EXPECT_EQ(again.detail.height, 700);
  EXPECT_EQ(again.list.width, 400);
  EXPECT_EQ(again.list.height, 280);
}

TEST_F(ImagePipeline, LosslessWebp_IsAcceptedAndShrunk) {
  const ProcessedImage out = process_image(test::make_lossless_webp(1600, 800));
  EXPECT_EQ(out.detail.width, 1200);
  EXPECT_EQ(out.detail.height, 600);
  EXPECT_EQ(sniff_format(out.list.bytes), ImageFormat::webp);
}

TEST_P(EachFormat, AppendedPayload_IsDroppedByReencoding) {
  // A real image with an HTML payload after its end: it decodes, but the payload never survives.
  const std::string payload = "<html><script>alert(document.cookie)</script></html>";
  const ProcessedImage out = process_image(GetParam().make(500, 400, false) + payload);
  EXPECT_EQ(out.detail.bytes.find("<script>"), std::string::npos);
  EXPECT_EQ(out.list.bytes.find("<script>"), std::string::npos);
}

TEST_P(EachFormat, TruncatedImage_Is400) {
  const Error e = rejection_of(test::truncated(GetParam().make(600, 400, false)));
  EXPECT_EQ(e.code(), ErrorCode::invalid_input);
  EXPECT_EQ(e.public_message(), kUndecodable);
}

TEST_P(EachFormat, TruncatedByAFewBytes_Is400) {
  // The header is intact and most pixels are there: only the end of the data is missing.
  std::string image = GetParam().make(600, 400, false);
  image.resize(image.size() - 64);
  const Error e = rejection_of(image);
  EXPECT_EQ(e.code(), ErrorCode::invalid_input);
  EXPECT_EQ(e.public_message(), kUndecodable);
}

TEST_F(ImagePipeline, PngAndWebp_KeepTheirAlpha_JpegHasNone) {
  for (const std::string& image :
       {test::make_png(900, 600, false, true), test::make_webp(900, 600, false, true)}) {
    const ProcessedImage out = process_image(image);
    EXPECT_EQ(decode_image(out.list.bytes).bands, 4);
    const test::DecodedImage detail = decode_image(out.detail.bytes);
    EXPECT_EQ(detail.bands, 4);
    ASSERT_EQ(detail.centre_pixel.size(), 4u);
    EXPECT_LT(detail.centre_pixel[3], 255);  // still translucent
  }
  EXPECT_EQ(decode_image(process_image(test::make_jpeg(900, 600)).detail.bytes).bands, 3);
}

TEST_F(ImagePipeline, CmykJpegWithProfile_ComesOutSrgbWithTheSameColour) {
  const ProcessedImage out = process_image(test::make_cmyk_jpeg(1500, 1000));
  const test::DecodedImage detail = decode_image(out.detail.bytes);
  EXPECT_TRUE(detail.srgb);
  EXPECT_EQ(detail.bands, 3);
  ASSERT_EQ(detail.centre_pixel.size(), 3u);
  EXPECT_NEAR(detail.centre_pixel[0], 200, 12);
  EXPECT_NEAR(detail.centre_pixel[1], 60, 12);
  EXPECT_NEAR(detail.centre_pixel[2], 40, 12);
  EXPECT_EQ(leaked_metadata(detail), std::vector<std::string>{});  // the CMYK profile is gone
}

TEST_F(ImagePipeline, AdobeRgbJpeg_IsConvertedThroughItsProfileBeforeTheProfileIsRemoved) {
  // Served without its profile, an Adobe RGB file must already hold sRGB values, or browsers
  // show dull colours (here 173,62,45 instead of 200,60,40).
  const std::string a98 = "/usr/share/color/icc/ghostscript/a98.icc";
  if (!std::filesystem::exists(a98)) GTEST_SKIP() << a98 << " is not installed";
  const std::string image = test::make_jpeg_in_profile(600, 400, a98);
  ASSERT_GT(decode_image(image).centre_pixel.size(), 2u);
  EXPECT_LT(decode_image(image).centre_pixel[0], 185);  // the fixture really is not sRGB
  const test::DecodedImage detail = decode_image(process_image(image).detail.bytes);
  ASSERT_EQ(detail.centre_pixel.size(), 3u);
  EXPECT_NEAR(detail.centre_pixel[0], 200, 8);
  EXPECT_NEAR(detail.centre_pixel[1], 60, 8);
  EXPECT_NEAR(detail.centre_pixel[2], 40, 8);
  EXPECT_EQ(leaked_metadata(detail), std::vector<std::string>{});
}

TEST_F(ImagePipeline, ExifOrientation_IsAppliedBeforeTheTagIsRemoved) {
  // Stored 2000x1000 with "rotate 90": a viewer shows it 1000x2000, and so must our output,
  // since the tag that told it to rotate is stripped.
  const ProcessedImage out = process_image(test::make_rotated_jpeg(2000, 1000));
  EXPECT_EQ(out.detail.width, 600);
  EXPECT_EQ(out.detail.height, 1200);
  EXPECT_EQ(out.list.width, 200);
  EXPECT_EQ(out.list.height, 400);
  EXPECT_FALSE(contains_exif(out.detail.bytes));
}

TEST_F(ImagePipeline, NotJpegPngOrWebp_Is415) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"text", test::text_file()},
      {"svg", test::svg_document()},
      {"gif", test::gif_image()},
      {"empty", ""},
      {"one byte", "\xFF"},
      {"gif renamed photo.png (names are never seen)", test::gif_image()},
      {"html", "<!doctype html><html><body>hi</body></html>"},
      {"pdf", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"},
      {"bmp", "BM\x3A\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"},
      {"tiff", std::string("II*\0\x08\0\0\0", 8)},
  };
  for (const auto& [what, bytes] : cases) {
    const Error e = rejection_of(bytes);
    EXPECT_EQ(e.code(), ErrorCode::unsupported_media) << what;
    EXPECT_EQ(e.public_message(), kUnsupported) << what;
  }
}

TEST_F(ImagePipeline, BigJpeg_DecodedAtReducedScale_GivesTheSameSizes) {
  // 4800 wide is 4x the detail box: libjpeg decodes at 1/2 scale, the renditions are unchanged.
  const ProcessedImage out = process_image(test::make_jpeg(4800, 2400));
  EXPECT_EQ(out.detail.width, 1200);
  EXPECT_EQ(out.detail.height, 600);
  EXPECT_EQ(out.list.width, 400);
  EXPECT_EQ(out.list.height, 200);
  EXPECT_EQ(decode_image(out.detail.bytes).width, 1200);
}

TEST_F(ImagePipeline, AnimatedWebp_KeepsOnlyItsFirstFrame) {
  const std::string animation = test::make_animated_webp(300, 200, 3);
  ASSERT_NE(animation.find("ANMF"), std::string::npos);  // the fixture really is animated
  const ProcessedImage out = process_image(animation);
  EXPECT_EQ(out.detail.width, 300);
  EXPECT_EQ(out.detail.height, 200);  // one frame, not three stacked
  EXPECT_EQ(out.detail.bytes.find("ANMF"), std::string::npos);
  EXPECT_EQ(out.detail.bytes.find("ANIM"), std::string::npos);
  const test::DecodedImage detail = decode_image(out.detail.bytes);
  ASSERT_EQ(detail.centre_pixel.size(), 3u);
  EXPECT_GT(detail.centre_pixel[0], 200);  // the first frame's red
  EXPECT_LT(detail.centre_pixel[1], 60);
}

TEST_F(ImagePipeline, GreyPng_ComesOutAsSrgb) {
  const ProcessedImage out = process_image(test::make_grey_png(600, 300));
  const test::DecodedImage detail = decode_image(out.detail.bytes);
  EXPECT_TRUE(detail.srgb);
  EXPECT_EQ(detail.bands, 3);
}

TEST_F(ImagePipeline, PngUploadedUnderAJpegName_IsProcessedAsPng) {
  // Only the bytes count: whatever the client called it, a PNG comes back as a PNG.
  const ProcessedImage out = process_image(test::make_png(500, 500));
  EXPECT_EQ(out.detail.format, ImageFormat::png);
  EXPECT_EQ(sniff_format(out.detail.bytes), ImageFormat::png);
}

TEST_F(ImagePipeline, PixelBomb_IsRefusedFromItsHeader_InMilliseconds) {
  const std::string bomb = test::make_pixel_bomb_png();  // 50,000 x 50,000 = 2.5 gigapixels
  ASSERT_LT(bomb.size(), 200u);
  const auto start = std::chrono::steady_clock::now();
  const Error e = rejection_of(bomb);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code(), ErrorCode::invalid_input);
  EXPECT_EQ(e.public_message(), kTooLarge);
  // Decoding 7.5 GB of pixels would take minutes; reading a header takes milliseconds, even
  // under sanitizers on a busy machine.
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
}

TEST_F(ImagePipeline, JpegAndWebpDeclaringHugeSizes_AreRefusedBeforeAnyDecoderAllocates) {
  // 60,000 x 60,000 in a JPEG SOF; 16,383 x 16,383 (the VP8 maximum, 268 MP) in a WebP, whose
  // libvips 8.14 loader would calloc the whole 1 GiB canvas while reading the header (slow
  // under ASan, refused by strict overcommit) if the limit were checked only after it.
  const std::string jpeg = with_declared_size(test::make_jpeg(64, 64), 60'000, 60'000);
  const std::string webp = with_declared_size(test::make_webp(64, 64), 16'383, 16'383);
  const std::string lossless = with_declared_size(test::make_lossless_webp(64, 64), 16'384, 16'384);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rejection_of(jpeg).public_message(), kTooLarge);
  EXPECT_EQ(rejection_of(webp).public_message(), kTooLarge);
  EXPECT_EQ(rejection_of(lossless).public_message(), kTooLarge);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST_F(ImagePipeline, PixelLimit_CountsWidthTimesHeight) {
  // Just over 40 megapixels in a shape no single side limit would catch.
  EXPECT_EQ(rejection_of(test::make_pixel_bomb_png(40'001, 1'000)).public_message(), kTooLarge);
  EXPECT_EQ(rejection_of(test::make_pixel_bomb_png(1'000, 40'001)).public_message(), kTooLarge);
  // Exactly at the limit the header passes; this tiny file then fails to decode instead.
  EXPECT_EQ(rejection_of(test::make_pixel_bomb_png(40'000, 1'000)).public_message(), kUndecodable);
  // A lower configured limit applies to real images.
  const Error e = rejection_of(test::make_jpeg(300, 200), ImageLimits{.max_pixels = 50'000});
  EXPECT_EQ(e.code(), ErrorCode::invalid_input);
  EXPECT_EQ(e.public_message(), "Image is larger than 50000 pixels");
  EXPECT_NO_THROW(process_image(test::make_jpeg(300, 200), ImageLimits{.max_pixels = 60'000}));
}

TEST_F(ImagePipeline, Polyglots_AreNeverAccepted) {
  const std::string html = "<html><body><script>alert(document.cookie)</script></body></html>";
  const std::string jpeg = test::make_jpeg(64, 64);
  const std::string png = test::make_png(64, 64);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"jpeg magic + html", "\xFF\xD8\xFF\xE0" + html},
      {"jpeg magic + garbage", "\xFF\xD8\xFF" + std::string(4096, '\x5A')},
      {"png signature + html", std::string("\x89PNG\r\n\x1A\n", 8) + html},
      {"png signature + jpeg", std::string("\x89PNG\r\n\x1A\n", 8) + jpeg},
      {"png header + html in place of pixels", png.substr(0, 33) + html},
      {"webp magic + html", "RIFF\x00\x10\x00\x00WEBPVP8 " + html},
      {"jpeg header + png body", jpeg.substr(0, 20) + png},
  };
  for (const auto& [what, bytes] : cases) {
    const Error e = rejection_of(bytes);
    EXPECT_TRUE(e.code() == ErrorCode::invalid_input || e.code() == ErrorCode::unsupported_media)
        << what;
  }
  // An image after a GIF header is judged a GIF: 415, whatever follows.
  EXPECT_EQ(rejection_of(test::gif_image() + jpeg).code(), ErrorCode::unsupported_media);
}

TEST_F(ImagePipeline, ManyThreadsAtOnce_EachGetsItsOwnCorrectResult) {
  const std::string jpeg = test::make_jpeg(1600, 1200, true);
  const std::string png = test::make_png(1200, 1600, false, true);
  const std::string webp = test::make_webp(1300, 650, true);
  const std::string broken = test::truncated(test::make_jpeg(800, 600));
  std::atomic<int> good{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        switch ((t + round) % 4) {
          case 0: {
            const ProcessedImage out = process_image(jpeg);
            if (out.detail.width == 1200 && out.detail.height == 900 && out.list.width == 400 &&
                !contains_exif(out.detail.bytes))
              ++good;
            break;
          }
          case 1: {
            const ProcessedImage out = process_image(png);
            if (out.detail.width == 900 && out.detail.height == 1200 && out.list.height == 400)
              ++good;
            break;
          }
          case 2: {
            const ProcessedImage out = process_image(webp);
            if (out.detail.width == 1200 && out.detail.height == 600 &&
                !contains_exif(out.list.bytes))
              ++good;
            break;
          }
          default:
            try {
              process_image(broken);
            } catch (const Error& e) {
              if (e.public_message() == kUndecodable) ++refused;
            }
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(good.load(), 18);
  EXPECT_EQ(refused.load(), 6);
}

TEST_F(ImagePipeline, InitImageLibrary_IsIdempotentAcrossThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] { init_image_library(); });
  for (auto& thread : threads)
    thread.join();
  EXPECT_NO_THROW(init_image_library());
}

}  // namespace
}  // namespace shop::media
