// Shared between the bridge's .cpp files (not part of the C API).
#ifndef SIGND_OPENCV_INTERNAL_HPP
#define SIGND_OPENCV_INTERNAL_HPP
#ifdef __cplusplus
#include <opencv2/core.hpp>
#include <atomic>
#include <cstdio>
#include <cstring>

struct signd_image {
    cv::Mat mat;                   // 8UC3, BGR
    std::atomic<int> refs{1};
};

namespace signd {
inline void set_error(char *err, size_t len, const char *what) {
    if (err && len > 0) { std::snprintf(err, len, "%s", what); }
}
inline signd_image *wrap(cv::Mat &&m) {
    auto *img = new (std::nothrow) signd_image();
    if (img) { img->mat = std::move(m); }
    return img;
}
}  // namespace signd
#endif
#endif
