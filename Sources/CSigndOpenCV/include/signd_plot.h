// Line plots to PNG with OpenCV (imgproc + imgcodecs) for `signd eval` and `signd bench`. C API; every
// call catches cv::Exception and returns a status with a message in `err` (never throws, never aborts).
#ifndef SIGND_PLOT_H
#define SIGND_PLOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    SIGND_PLOT_OK = 0,
    SIGND_PLOT_BAD_ARGUMENT = 1,
    SIGND_PLOT_OPENCV_ERROR = 2,
    SIGND_PLOT_IO_ERROR = 3,
};

/// One series: `count` points (x[i], y[i]) joined by lines (`step` != 0: horizontal-then-vertical steps),
/// drawn in RGB `color` with `thickness` pixels; `name` goes into the legend (may be NULL).
typedef struct {
    const double *x;
    const double *y;
    int32_t count;
    uint8_t color[3];
    int32_t thickness;
    int32_t step;
    const char *name;
} signd_plot_series;

/// Axes and labels. x/y ranges are data units; `log_y` plots log10(y) (y ≤ 0 is skipped).
typedef struct {
    int32_t width;
    int32_t height;
    const char *title;
    const char *x_label;
    const char *y_label;
    double x_min, x_max, y_min, y_max;
    int32_t log_y;
} signd_plot_axes;

/// Draws the series on a white canvas with axes, ticks, grid, title and legend; writes a PNG to `path`.
int signd_plot_png(const char *path, const signd_plot_axes *axes, const signd_plot_series *series, int32_t series_count,
                   char *err, size_t err_len);

#ifdef __cplusplus
}
#endif
#endif
