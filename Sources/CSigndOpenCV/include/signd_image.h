// OpenCV image work for the landmark pipeline: rotated-ROI crops to NHWC float tensors, resizing,
// drawing for overlays, PNG/video writing. C API only; every call catches cv::Exception and returns a
// status code with a message in `err` (never throws, never aborts).
#ifndef SIGND_IMAGE_H
#define SIGND_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    SIGND_IMAGE_OK = 0,
    SIGND_IMAGE_BAD_ARGUMENT = 1,
    SIGND_IMAGE_OPENCV_ERROR = 2,
    SIGND_IMAGE_IO_ERROR = 3,
};

/// A read-only 8-bit BGR image (3 bytes per pixel, `stride` bytes per row).
typedef struct {
    const uint8_t *pixels;
    int32_t width;
    int32_t height;
    int64_t stride;
} signd_bgr_view;

/// A writable 8-bit BGR image.
typedef struct {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
    int64_t stride;
} signd_bgr_mut_view;

/// A rotated rectangle in pixels; rotation in radians (clockwise in image coordinates, MediaPipe's sense).
typedef struct {
    float center_x;
    float center_y;
    float width;
    float height;
    float rotation;
} signd_rotated_rect;

/// MediaPipe ImageToTensor (OpenCV converter): the rectangle's corners (cv::boxPoints order) map to the
/// tensor corners (0,H), (0,0), (W,0), (W,H); INTER_LINEAR perspective warp of the 8-bit image; then
/// v/255·(max−min)+min. Output is RGB NHWC float32 of out_width×out_height×3 (BGR input is swapped).
/// `zero_border` selects BORDER_CONSTANT(0) instead of BORDER_REPLICATE.
int signd_crop_to_tensor(signd_bgr_view image, signd_rotated_rect roi, int32_t out_width, int32_t out_height,
                         int32_t zero_border, float range_min, float range_max, float *out,
                         char *err, size_t err_len);

/// Sets OpenCV's worker-thread count for the whole process (cv::setNumThreads). The landmark crops are
/// 128–256 px warps where thread hand-off costs more than it saves, and the two hands already run on
/// both cores, so the pipeline uses 1.
void signd_image_set_opencv_threads(int32_t threads);

/// Resizes (INTER_AREA) `src` into `dst` (sizes taken from both views).
int signd_resize_bgr(signd_bgr_view src, signd_bgr_mut_view dst, char *err, size_t err_len);

/// Draws `count` filled circles at pixel positions xy[2i], xy[2i+1]; NaN points are skipped.
int signd_draw_points(signd_bgr_mut_view image, const float *xy, int32_t count, int32_t radius,
                      uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len);

/// Draws `count` line segments between points pairs[2i] and pairs[2i+1] of `xy`; segments with a NaN end
/// are skipped.
int signd_draw_segments(signd_bgr_mut_view image, const float *xy, int32_t point_count, const int32_t *pairs,
                        int32_t count, int32_t thickness, uint8_t b, uint8_t g, uint8_t r,
                        char *err, size_t err_len);

/// Draws the outline of a rotated rectangle (pixels).
int signd_draw_rotated_rect(signd_bgr_mut_view image, signd_rotated_rect rect, int32_t thickness,
                            uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len);

/// Draws a text label at (x, y) pixels.
int signd_draw_text(signd_bgr_mut_view image, const char *text, int32_t x, int32_t y, double scale,
                    uint8_t b, uint8_t g, uint8_t r, char *err, size_t err_len);

/// Encodes `image` as JPEG (quality 1–100) into a malloc'd buffer the caller frees with free() (the live view).
int signd_encode_jpeg(signd_bgr_view image, int32_t quality, uint8_t **out, size_t *out_len, char *err, size_t err_len);

/// An mp4v/MJPG video writer for overlays.
typedef struct signd_video_writer signd_video_writer;
int signd_video_writer_open(const char *path, double fps, int32_t width, int32_t height,
                            signd_video_writer **out, char *err, size_t err_len);
int signd_video_writer_write(signd_video_writer *writer, signd_bgr_view frame, char *err, size_t err_len);
void signd_video_writer_close(signd_video_writer *writer);

#ifdef __cplusplus
}
#endif
#endif
