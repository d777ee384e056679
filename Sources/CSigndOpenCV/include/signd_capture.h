// Video capture and frame buffers over OpenCV's VideoCapture (FFmpeg for files and network streams, V4L2
// for cameras). C API so Swift never sees a C++ exception: failures come back as a status plus a message.
#ifndef SIGND_CAPTURE_H
#define SIGND_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A decoded 8-bit BGR frame (owns a cv::Mat; release with signd_image_release).
typedef struct signd_image signd_image;

/// Opaque capture handle (owns a cv::VideoCapture).
typedef struct signd_capture signd_capture;

typedef enum {
    SIGND_BACKEND_FFMPEG = 0,  // files and network URLs (rtsp://, http://)
    SIGND_BACKEND_V4L2 = 1,    // cameras: index or /dev/videoN
} signd_backend;

typedef struct {
    double fps;            // reported by the container/driver; 0 when unknown
    int width;
    int height;
    int64_t frame_count;   // reported count for files; -1 when unknown (streams, cameras)
    char backend_name[32];
} signd_capture_info;

/// What to ask of the source when opening it. Zero fields leave the choice to the driver / FFmpeg.
typedef struct {
    int32_t width;            // cameras: requested frame size
    int32_t height;
    double fps;               // cameras: requested frame rate
    char fourcc[4];           // cameras: requested pixel format, e.g. "MJPG"; all zero: the driver's
    int32_t rtsp_transport;   // rtsp:// sources: 0 FFmpeg's default (UDP, then TCP), 1 TCP, 2 UDP
} signd_capture_request;

/// What is done to every frame before anyone sees it, in this order: rotate, flip, crop.
typedef struct {
    int32_t rotate;           // 0, 90, 180 or 270 degrees clockwise
    int32_t flip;             // 0 none, 1 horizontal (a mirror, as selfie cameras show), 2 vertical
    int32_t crop_x, crop_y, crop_width, crop_height;   // in the rotated, flipped frame; crop_width 0: none
} signd_frame_transform;

/// Opens `uri` (a path, URL or /dev/videoN) or, when `camera_index` >= 0, that camera index.
/// Timeouts bound how long a dead network source can block open() and read() (OpenCV's default is 30 s).
/// `request` may be NULL. Returns NULL on failure with a message in `err`.
signd_capture *signd_capture_open(const char *uri, int camera_index, signd_backend backend,
                                  int open_timeout_ms, int read_timeout_ms, const signd_capture_request *request,
                                  char *err, size_t err_len);

/// Sets the transform applied by every following read (the caller checks the crop against the frame size).
void signd_capture_set_transform(signd_capture *cap, const signd_frame_transform *transform);

void signd_capture_get_info(const signd_capture *cap, signd_capture_info *info);

/// Reads the next frame. Returns 1 with a new image in *out (caller releases it), 0 at end of stream or
/// when the source stopped delivering (timeout / connection loss), -1 on an OpenCV error (message in err).
/// *position_ms receives the source timestamp (CAP_PROP_POS_MSEC), or -1 when the source reports none.
int signd_capture_read(signd_capture *cap, signd_image **out, double *position_ms, char *err, size_t err_len);

/// Advances past the next frame without converting it (decoding still happens). 1: skipped, 0: end of
/// stream or no frame within the read timeout, -1: an OpenCV error (message in err).
int signd_capture_skip(signd_capture *cap, char *err, size_t err_len);

void signd_capture_release(signd_capture *cap);

// MARK: images

/// Copies `height` rows of `width`·3 BGR bytes (row stride `step`) into a new image. NULL on failure.
signd_image *signd_image_from_bgr(const uint8_t *data, int width, int height, size_t step);
/// Loads an image file (PNG/JPEG…) as BGR. NULL with a message when it cannot be read.
signd_image *signd_image_read(const char *path, char *err, size_t err_len);
/// Writes an image file; the format follows the extension. Returns 0 on success.
int signd_image_write(const signd_image *img, const char *path, char *err, size_t err_len);
signd_image *signd_image_retain(signd_image *img);
void signd_image_release(signd_image *img);
int signd_image_width(const signd_image *img);
int signd_image_height(const signd_image *img);
size_t signd_image_step(const signd_image *img);
const uint8_t *signd_image_data(const signd_image *img);
uint8_t *signd_image_mutable_data(signd_image *img);

#ifdef __cplusplus
}
#endif
#endif
