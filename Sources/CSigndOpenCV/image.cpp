// OpenCV image work for the landmark pipeline. See signd_image.h for the contracts.
#include "signd_image.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

void set_error(char *err, size_t err_len, const std::string &message) {
    if (err == nullptr || err_len == 0) return;
    std::snprintf(err, err_len, "%s", message.c_str());
}

bool valid(const signd_bgr_view &v) {
    return v.pixels != nullptr && v.width > 0 && v.height > 0 && v.stride >= int64_t(v.width) * 3;
}
bool valid(const signd_bgr_mut_view &v) {
    return v.pixels != nullptr && v.width > 0 && v.height > 0 && v.stride >= int64_t(v.width) * 3;
}

// Wraps caller memory without copying; OpenCV never writes through a Mat made from a const view here.
cv::Mat wrap(const signd_bgr_view &v) {
    return cv::Mat(v.height, v.width, CV_8UC3, const_cast<uint8_t *>(v.pixels), size_t(v.stride));
}
cv::Mat wrap(const signd_bgr_mut_view &v) {
    return cv::Mat(v.height, v.width, CV_8UC3, v.pixels, size_t(v.stride));
}

// Runs `body`, mapping C++ exceptions to status codes so nothing escapes into Swift.
template <typename F>
int guarded(char *err, size_t err_len, const char *what, F body) {
    try {
        return body();
    } catch (const cv::Exception &e) {
        set_error(err, err_len, std::string(what) + ": OpenCV error: " + e.what());
        return SIGND_IMAGE_OPENCV_ERROR;
    } catch (const std::exception &e) {
        set_error(err, err_len, std::string(what) + ": " + e.what());
        return SIGND_IMAGE_OPENCV_ERROR;
    } catch (...) {
        set_error(err, err_len, std::string(what) + ": unknown C++ exception");
        return SIGND_IMAGE_OPENCV_ERROR;
    }
}

}  // namespace

struct signd_video_writer {
    cv::VideoWriter writer;
    int width;
    int height;
};

extern "C" int signd_crop_to_tensor(signd_bgr_view image, signd_rotated_rect roi, int32_t out_width,
                                    int32_t out_height, int32_t zero_border, float range_min, float range_max,
                                    float *out, char *err, size_t err_len) {
    return guarded(err, err_len, "crop_to_tensor", [&]() -> int {
        if (!valid(image) || out == nullptr || out_width <= 0 || out_height <= 0) {
            set_error(err, err_len, "crop_to_tensor: invalid image or output");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        if (!std::isfinite(roi.center_x) || !std::isfinite(roi.center_y) || !std::isfinite(roi.width) ||
            !std::isfinite(roi.height) || !std::isfinite(roi.rotation) || roi.width <= 0 || roi.height <= 0) {
            set_error(err, err_len, "crop_to_tensor: ROI is not a finite, non-empty rectangle");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        const cv::Mat src = wrap(image);
        // Same construction as MediaPipe's ImageToTensorOpenCvConverter: corners → pixel edges of the tensor.
        // Degrees as MediaPipe computes them (`roi.rotation * 180.f / M_PI`: a float product, then a double
        // division); a double product can land 1 ulp away and shift the whole crop.
        const cv::RotatedRect rotated(cv::Point2f(roi.center_x, roi.center_y), cv::Size2f(roi.width, roi.height),
                                      float(double(roi.rotation * 180.0f) / M_PI));
        cv::Mat src_points;
        cv::boxPoints(rotated, src_points);
        const float dst_w = float(out_width), dst_h = float(out_height);
        float dst_corners[8] = {0.0f, dst_h, 0.0f, 0.0f, dst_w, 0.0f, dst_w, dst_h};
        const cv::Mat dst_points(4, 2, CV_32F, dst_corners);
        const cv::Mat projection = cv::getPerspectiveTransform(src_points, dst_points);
        cv::Mat warped;
        cv::warpPerspective(src, warped, projection, cv::Size(out_width, out_height), cv::INTER_LINEAR,
                            zero_border ? cv::BORDER_CONSTANT : cv::BORDER_REPLICATE, cv::Scalar(0, 0, 0));
        // v·scale + min rounded once, like MediaPipe's Mat::convertTo on its bundled OpenCV, whose AVX2 path
        // uses fused multiply-add. In double the product of an 8-bit value and a float is exact and so is the
        // sum with min (−1 or 0), so the cast is the single rounding. Rounding twice (mul, then add) differs
        // in the last bit for about a third of the [−1, 1] detector inputs.
        const double scale = double((range_max - range_min) / 255.0f);
        const double offset = double(range_min);
        for (int y = 0; y < out_height; ++y) {
            const uint8_t *row = warped.ptr<uint8_t>(y);
            float *dst = out + size_t(y) * size_t(out_width) * 3;
            for (int x = 0; x < out_width; ++x) {
                // BGR → RGB while converting.
                dst[3 * x + 0] = float(double(row[3 * x + 2]) * scale + offset);
                dst[3 * x + 1] = float(double(row[3 * x + 1]) * scale + offset);
                dst[3 * x + 2] = float(double(row[3 * x + 0]) * scale + offset);
            }
        }
        return SIGND_IMAGE_OK;
    });
}

extern "C" void signd_image_set_opencv_threads(int32_t threads) {
    try {
        cv::setNumThreads(threads);
    } catch (...) {
    }
}

extern "C" int signd_resize_bgr(signd_bgr_view src, signd_bgr_mut_view dst, char *err, size_t err_len) {
    return guarded(err, err_len, "resize", [&]() -> int {
        if (!valid(src) || !valid(dst)) {
            set_error(err, err_len, "resize: invalid image view");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        cv::Mat out = wrap(dst);
        cv::Mat tmp;
        cv::resize(wrap(src), tmp, cv::Size(dst.width, dst.height), 0, 0, cv::INTER_AREA);
        tmp.copyTo(out);
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_draw_points(signd_bgr_mut_view image, const float *xy, int32_t count, int32_t radius,
                                 uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len) {
    return guarded(err, err_len, "draw_points", [&]() -> int {
        if (!valid(image) || (xy == nullptr && count > 0)) {
            set_error(err, err_len, "draw_points: invalid arguments");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        cv::Mat m = wrap(image);
        for (int i = 0; i < count; ++i) {
            const float x = xy[2 * i], y = xy[2 * i + 1];
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            cv::circle(m, cv::Point(int(std::lround(x)), int(std::lround(y))), radius, cv::Scalar(b, g, r),
                       cv::FILLED, cv::LINE_AA);
        }
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_draw_segments(signd_bgr_mut_view image, const float *xy, int32_t point_count,
                                   const int32_t *pairs, int32_t count, int32_t thickness, uint8_t b, uint8_t g,
                                   uint8_t r, char *err, size_t err_len) {
    return guarded(err, err_len, "draw_segments", [&]() -> int {
        if (!valid(image) || (count > 0 && (xy == nullptr || pairs == nullptr))) {
            set_error(err, err_len, "draw_segments: invalid arguments");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        cv::Mat m = wrap(image);
        for (int i = 0; i < count; ++i) {
            const int a = pairs[2 * i], c = pairs[2 * i + 1];
            if (a < 0 || c < 0 || a >= point_count || c >= point_count) continue;
            const float x0 = xy[2 * a], y0 = xy[2 * a + 1], x1 = xy[2 * c], y1 = xy[2 * c + 1];
            if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) continue;
            cv::line(m, cv::Point(int(std::lround(x0)), int(std::lround(y0))),
                     cv::Point(int(std::lround(x1)), int(std::lround(y1))), cv::Scalar(b, g, r), thickness,
                     cv::LINE_AA);
        }
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_draw_rotated_rect(signd_bgr_mut_view image, signd_rotated_rect rect, int32_t thickness,
                                       uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len) {
    return guarded(err, err_len, "draw_rotated_rect", [&]() -> int {
        if (!valid(image)) {
            set_error(err, err_len, "draw_rotated_rect: invalid image view");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        if (!std::isfinite(rect.center_x) || !std::isfinite(rect.center_y) || !std::isfinite(rect.width) ||
            !std::isfinite(rect.height) || !std::isfinite(rect.rotation)) {
            return SIGND_IMAGE_OK;  // nothing sensible to draw
        }
        cv::Mat m = wrap(image);
        cv::Point2f pts[4];
        cv::RotatedRect(cv::Point2f(rect.center_x, rect.center_y), cv::Size2f(rect.width, rect.height),
                        float(rect.rotation * 180.0 / M_PI))
            .points(pts);
        for (int i = 0; i < 4; ++i) {
            cv::line(m, pts[i], pts[(i + 1) % 4], cv::Scalar(b, g, r), thickness, cv::LINE_AA);
        }
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_draw_text(signd_bgr_mut_view image, const char *text, int32_t x, int32_t y, double scale,
                               uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len) {
    return guarded(err, err_len, "draw_text", [&]() -> int {
        if (!valid(image) || text == nullptr) {
            set_error(err, err_len, "draw_text: invalid arguments");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        cv::Mat m = wrap(image);
        cv::putText(m, text, cv::Point(x, y), cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(b, g, r), 1,
                    cv::LINE_AA);
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_encode_jpeg(signd_bgr_view image, int32_t quality, uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    return guarded(err, err_len, "encode_jpeg", [&]() -> int {
        if (!valid(image) || out == nullptr || out_len == nullptr || quality < 1 || quality > 100) {
            set_error(err, err_len, "encode_jpeg: invalid arguments");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        std::vector<uint8_t> bytes;
        if (!cv::imencode(".jpg", wrap(image), bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) {
            set_error(err, err_len, "encode_jpeg: OpenCV could not encode the image");
            return SIGND_IMAGE_OPENCV_ERROR;
        }
        auto *buffer = static_cast<uint8_t *>(std::malloc(bytes.size()));
        if (buffer == nullptr) {
            set_error(err, err_len, "encode_jpeg: out of memory");
            return SIGND_IMAGE_OPENCV_ERROR;
        }
        std::memcpy(buffer, bytes.data(), bytes.size());
        *out = buffer;
        *out_len = bytes.size();
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_video_writer_open(const char *path, double fps, int32_t width, int32_t height,
                                       signd_video_writer **out, char *err, size_t err_len) {
    return guarded(err, err_len, "video_writer_open", [&]() -> int {
        if (path == nullptr || out == nullptr || width <= 0 || height <= 0 || !(fps > 0)) {
            set_error(err, err_len, "video_writer_open: invalid arguments");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        auto *w = new signd_video_writer{cv::VideoWriter(), width, height};
        const std::string p(path);
        const bool avi = p.size() >= 4 && (p.compare(p.size() - 4, 4, ".avi") == 0);
        const int fourcc = avi ? cv::VideoWriter::fourcc('M', 'J', 'P', 'G') : cv::VideoWriter::fourcc('m', 'p', '4', 'v');
        if (!w->writer.open(p, fourcc, fps, cv::Size(width, height), true)) {
            delete w;
            set_error(err, err_len, "video_writer_open: OpenCV could not open " + p + " for writing");
            return SIGND_IMAGE_IO_ERROR;
        }
        *out = w;
        return SIGND_IMAGE_OK;
    });
}

extern "C" int signd_video_writer_write(signd_video_writer *writer, signd_bgr_view frame, char *err,
                                        size_t err_len) {
    return guarded(err, err_len, "video_writer_write", [&]() -> int {
        if (writer == nullptr || !valid(frame) || frame.width != writer->width || frame.height != writer->height) {
            set_error(err, err_len, "video_writer_write: invalid frame or size differs from the opened size");
            return SIGND_IMAGE_BAD_ARGUMENT;
        }
        writer->writer.write(wrap(frame));
        return SIGND_IMAGE_OK;
    });
}

extern "C" void signd_video_writer_close(signd_video_writer *writer) {
    if (writer == nullptr) return;
    try {
        writer->writer.release();
    } catch (...) {
    }
    delete writer;
}
