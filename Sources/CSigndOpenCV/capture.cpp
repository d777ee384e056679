#include "signd_capture.h"
#include "signd_opencv_internal.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

struct signd_capture {
    cv::VideoCapture cap;
    signd_frame_transform transform{};
};

namespace {
// OpenCV's FFmpeg backend takes demuxer options only from this environment variable, read when a capture
// opens; the lock keeps two opening captures from racing on it (signd opens one source per process).
std::mutex ffmpeg_options_lock;

cv::Mat transformed(cv::Mat frame, const signd_frame_transform &t) {
    if (t.rotate == 90 || t.rotate == 180 || t.rotate == 270) {
        cv::Mat turned;   // not in place: a 90° turn of a non-square frame cannot be
        cv::rotate(frame, turned, t.rotate == 90 ? cv::ROTATE_90_CLOCKWISE
                                  : t.rotate == 180 ? cv::ROTATE_180 : cv::ROTATE_90_COUNTERCLOCKWISE);
        frame = turned;
    }
    if (t.flip == 1 || t.flip == 2) {
        cv::Mat flipped;
        cv::flip(frame, flipped, t.flip == 1 ? 1 : 0);
        frame = flipped;
    }
    if (t.crop_width > 0 && t.crop_height > 0) {
        const cv::Rect roi(t.crop_x, t.crop_y, t.crop_width, t.crop_height);
        if ((roi & cv::Rect(0, 0, frame.cols, frame.rows)) != roi) { return cv::Mat(); }
        frame = frame(roi).clone();   // contiguous, like every other frame
    }
    return frame;
}
}  // namespace

extern "C" {

signd_capture *signd_capture_open(const char *uri, int camera_index, signd_backend backend,
                                  int open_timeout_ms, int read_timeout_ms, const signd_capture_request *request,
                                  char *err, size_t err_len) {
    try {
        auto *c = new signd_capture();
        const int api = backend == SIGND_BACKEND_V4L2 ? cv::CAP_V4L2 : cv::CAP_FFMPEG;
        std::vector<int> params;
        if (open_timeout_ms > 0) { params.insert(params.end(), {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, open_timeout_ms}); }
        if (read_timeout_ms > 0) { params.insert(params.end(), {cv::CAP_PROP_READ_TIMEOUT_MSEC, read_timeout_ms}); }
        bool ok;
        if (camera_index >= 0) {
            ok = c->cap.open(camera_index, api, params);
        } else if (request && request->rtsp_transport > 0) {
            std::lock_guard<std::mutex> lock(ffmpeg_options_lock);
            const char *previous = std::getenv("OPENCV_FFMPEG_CAPTURE_OPTIONS");
            const std::string saved = previous ? previous : "";
            setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", request->rtsp_transport == 1 ? "rtsp_transport;tcp" : "rtsp_transport;udp", 1);
            ok = c->cap.open(std::string(uri ? uri : ""), api, params);
            if (previous) { setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", saved.c_str(), 1); } else { unsetenv("OPENCV_FFMPEG_CAPTURE_OPTIONS"); }
        } else {
            ok = c->cap.open(std::string(uri ? uri : ""), api, params);
        }
        if (!ok || !c->cap.isOpened()) {
            delete c;
            signd::set_error(err, err_len, "OpenCV could not open the source (missing, unreadable, unsupported or not a video)");
            return nullptr;
        }
        if (backend == SIGND_BACKEND_V4L2) {
            c->cap.set(cv::CAP_PROP_BUFFERSIZE, 1);  // keep the driver queue short: latest frame wins
            if (request) {
                // The format first: a driver picks the sizes and rates it offers for that format.
                if (request->fourcc[0]) {
                    c->cap.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc(request->fourcc[0], request->fourcc[1],
                                                                            request->fourcc[2], request->fourcc[3]));
                }
                if (request->width > 0) { c->cap.set(cv::CAP_PROP_FRAME_WIDTH, request->width); }
                if (request->height > 0) { c->cap.set(cv::CAP_PROP_FRAME_HEIGHT, request->height); }
                if (request->fps > 0) { c->cap.set(cv::CAP_PROP_FPS, request->fps); }
            }
        }
        return c;
    } catch (const cv::Exception &e) {
        signd::set_error(err, err_len, e.what());
        return nullptr;
    } catch (...) {
        signd::set_error(err, err_len, "unknown C++ exception while opening the source");
        return nullptr;
    }
}

void signd_capture_get_info(const signd_capture *c, signd_capture_info *info) {
    std::memset(info, 0, sizeof(*info));
    try {
        auto &cap = const_cast<cv::VideoCapture &>(c->cap);
        info->fps = cap.get(cv::CAP_PROP_FPS);
        info->width = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_WIDTH));
        info->height = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
        const double n = cap.get(cv::CAP_PROP_FRAME_COUNT);
        info->frame_count = n > 0 ? static_cast<int64_t>(n) : -1;
        std::snprintf(info->backend_name, sizeof(info->backend_name), "%s", cap.getBackendName().c_str());
    } catch (...) {
        info->frame_count = -1;
    }
}

int signd_capture_read(signd_capture *c, signd_image **out, double *position_ms, char *err, size_t err_len) {
    *out = nullptr;
    try {
        cv::Mat frame;
        if (!c->cap.read(frame) || frame.empty()) { return 0; }
        if (frame.type() != CV_8UC3) {
            cv::Mat converted;
            if (frame.channels() == 1) {
                cv::cvtColor(frame, converted, cv::COLOR_GRAY2BGR);
            } else if (frame.channels() == 4) {
                cv::cvtColor(frame, converted, cv::COLOR_BGRA2BGR);
            } else {
                signd::set_error(err, err_len, "decoded frame has an unsupported pixel format");
                return -1;
            }
            frame = converted;
        }
        frame = transformed(std::move(frame), c->transform);
        if (frame.empty()) {
            signd::set_error(err, err_len, "the crop lies outside the frame");
            return -1;
        }
        if (position_ms) {
            const double p = c->cap.get(cv::CAP_PROP_POS_MSEC);
            *position_ms = p >= 0 ? p : -1;
        }
        *out = signd::wrap(std::move(frame));
        return *out ? 1 : -1;
    } catch (const cv::Exception &e) {
        signd::set_error(err, err_len, e.what());
        return -1;
    } catch (...) {
        signd::set_error(err, err_len, "unknown C++ exception while reading a frame");
        return -1;
    }
}

int signd_capture_skip(signd_capture *c, char *err, size_t err_len) {
    try {
        return c->cap.grab() ? 1 : 0;
    } catch (const cv::Exception &e) {
        signd::set_error(err, err_len, e.what());
        return -1;
    } catch (...) {
        signd::set_error(err, err_len, "unknown C++ exception while skipping a frame");
        return -1;
    }
}

void signd_capture_set_transform(signd_capture *c, const signd_frame_transform *transform) {
    c->transform = transform ? *transform : signd_frame_transform{};
}

void signd_capture_release(signd_capture *c) {
    if (!c) { return; }
    try { c->cap.release(); } catch (...) {}
    delete c;
}

signd_image *signd_image_from_bgr(const uint8_t *data, int width, int height, size_t step) {
    if (width <= 0 || height <= 0 || data == nullptr) { return nullptr; }
    try {
        cv::Mat view(height, width, CV_8UC3, const_cast<uint8_t *>(data), step);
        return signd::wrap(view.clone());
    } catch (...) {
        return nullptr;
    }
}

signd_image *signd_image_read(const char *path, char *err, size_t err_len) {
    try {
        cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
        if (m.empty()) {
            signd::set_error(err, err_len, "not a readable image");
            return nullptr;
        }
        return signd::wrap(std::move(m));
    } catch (const cv::Exception &e) {
        signd::set_error(err, err_len, e.what());
        return nullptr;
    }
}

int signd_image_write(const signd_image *img, const char *path, char *err, size_t err_len) {
    try {
        if (!cv::imwrite(path, img->mat)) {
            signd::set_error(err, err_len, "OpenCV could not write the image (unknown extension or unwritable path)");
            return -1;
        }
        return 0;
    } catch (const cv::Exception &e) {
        signd::set_error(err, err_len, e.what());
        return -1;
    }
}

signd_image *signd_image_retain(signd_image *img) {
    img->refs.fetch_add(1, std::memory_order_relaxed);
    return img;
}

void signd_image_release(signd_image *img) {
    if (img && img->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) { delete img; }
}

int signd_image_width(const signd_image *img) { return img->mat.cols; }
int signd_image_height(const signd_image *img) { return img->mat.rows; }
size_t signd_image_step(const signd_image *img) { return img->mat.step[0]; }
const uint8_t *signd_image_data(const signd_image *img) { return img->mat.data; }
uint8_t *signd_image_mutable_data(signd_image *img) { return img->mat.data; }

}  // extern "C"
