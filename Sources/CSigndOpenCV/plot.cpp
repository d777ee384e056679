// Line plots for evaluation and benchmark reports. See signd_plot.h for the contract.
#include "signd_plot.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

void plot_error(char *err, size_t err_len, const std::string &message) {
    if (err == nullptr || err_len == 0) return;
    std::snprintf(err, err_len, "%s", message.c_str());
}

std::string format_tick(double v) {
    char buf[32];
    double a = std::fabs(v);
    if (a < 1e-9) return "0";  // ticks accumulate rounding: never print "-0"
    if (a != 0 && (a >= 1e5 || a < 1e-3)) std::snprintf(buf, sizeof buf, "%.1e", v);
    else if (a >= 100 || std::fabs(v - std::round(v)) < 1e-9) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

// A "nice" tick step (1, 2, 5 × 10^k) giving about `target` ticks over `span`.
double nice_step(double span, int target) {
    double raw = span / std::max(1, target);
    double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

}  // namespace

extern "C" int signd_plot_png(const char *path, const signd_plot_axes *axes, const signd_plot_series *series,
                              int32_t series_count, char *err, size_t err_len) {
    if (path == nullptr || axes == nullptr || (series_count > 0 && series == nullptr) || series_count < 0) {
        plot_error(err, err_len, "signd_plot_png: null argument");
        return SIGND_PLOT_BAD_ARGUMENT;
    }
    if (axes->width < 200 || axes->height < 150 || axes->width > 8000 || axes->height > 8000) {
        plot_error(err, err_len, "signd_plot_png: canvas must be 200x150 to 8000x8000");
        return SIGND_PLOT_BAD_ARGUMENT;
    }
    auto ty = [&](double y) { return axes->log_y ? std::log10(y) : y; };
    double x0 = axes->x_min, x1 = axes->x_max;
    double y0 = ty(axes->y_min), y1 = ty(axes->y_max);
    if (!std::isfinite(x0) || !std::isfinite(x1) || !std::isfinite(y0) || !std::isfinite(y1) || !(x1 > x0) || !(y1 > y0)) {
        plot_error(err, err_len, "signd_plot_png: axis ranges must be finite and increasing (log axes need y > 0)");
        return SIGND_PLOT_BAD_ARGUMENT;
    }
    try {
        const int w = axes->width, h = axes->height;
        const int left = 80, right = 20, top = 40, bottom = 60;
        cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
        const int pw = w - left - right, ph = h - top - bottom;
        auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
        auto py = [&](double y) { return top + ph - (ty(y) - y0) / (y1 - y0) * ph; };
        const auto font = cv::FONT_HERSHEY_SIMPLEX;
        const cv::Scalar black(0, 0, 0), grid(225, 225, 225);

        // Grid and ticks.
        double xs = nice_step(x1 - x0, 8);
        for (double x = std::ceil(x0 / xs) * xs; x <= x1 + 1e-9 * xs; x += xs) {
            int X = int(std::lround(px(x)));
            cv::line(img, {X, top}, {X, top + ph}, grid, 1);
            cv::putText(img, format_tick(x), {X - 15, top + ph + 18}, font, 0.4, black, 1, cv::LINE_AA);
        }
        double ys = nice_step(y1 - y0, 6);
        for (double y = std::ceil(y0 / ys) * ys; y <= y1 + 1e-9 * ys; y += ys) {
            int Y = int(std::lround(top + ph - (y - y0) / (y1 - y0) * ph));
            cv::line(img, {left, Y}, {left + pw, Y}, grid, 1);
            cv::putText(img, format_tick(axes->log_y ? std::pow(10.0, y) : y), {26, Y + 4}, font, 0.4, black, 1, cv::LINE_AA);
        }
        cv::rectangle(img, {left, top}, {left + pw, top + ph}, black, 1);
        if (axes->title) cv::putText(img, axes->title, {left, 25}, font, 0.6, black, 1, cv::LINE_AA);
        if (axes->x_label) cv::putText(img, axes->x_label, {left + pw / 2 - 40, h - 15}, font, 0.5, black, 1, cv::LINE_AA);
        if (axes->y_label) {
            cv::Mat label(20, std::min(ph, 400), CV_8UC3, cv::Scalar(255, 255, 255));
            cv::putText(label, axes->y_label, {2, 15}, font, 0.5, black, 1, cv::LINE_AA);
            cv::Mat rotated;
            cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
            int yoff = top + (ph - rotated.rows) / 2;
            rotated.copyTo(img(cv::Rect(2, std::max(0, yoff), rotated.cols, rotated.rows)));
        }

        // Series, clipped to the plot area.
        cv::Mat area = img(cv::Rect(left, top, pw, ph));
        for (int s = 0; s < series_count; ++s) {
            const signd_plot_series &sr = series[s];
            if (sr.count < 0 || (sr.count > 0 && (sr.x == nullptr || sr.y == nullptr))) {
                plot_error(err, err_len, "signd_plot_png: series " + std::to_string(s) + " has no points");
                return SIGND_PLOT_BAD_ARGUMENT;
            }
            cv::Scalar color(sr.color[2], sr.color[1], sr.color[0]);
            std::vector<cv::Point> pts;
            auto flush = [&]() {
                if (pts.size() >= 2) cv::polylines(area, pts, false, color, std::max(1, sr.thickness), cv::LINE_AA);
                else if (pts.size() == 1) cv::circle(area, pts[0], std::max(1, sr.thickness), color, cv::FILLED);
                pts.clear();
            };
            for (int i = 0; i < sr.count; ++i) {
                double x = sr.x[i], y = sr.y[i];
                if (!std::isfinite(x) || !std::isfinite(y) || (axes->log_y && y <= 0)) { flush(); continue; }
                cv::Point p(int(std::lround(px(x))) - left, int(std::lround(py(y))) - top);
                if (sr.step && !pts.empty()) pts.emplace_back(p.x, pts.back().y);
                pts.push_back(p);
            }
            flush();
        }
        // Legend.
        int ly = top + 8;
        for (int s = 0; s < series_count; ++s) {
            if (series[s].name == nullptr) continue;
            cv::Scalar color(series[s].color[2], series[s].color[1], series[s].color[0]);
            cv::line(img, {left + pw - 235, ly + 6}, {left + pw - 210, ly + 6}, color, 3);
            cv::putText(img, series[s].name, {left + pw - 205, ly + 10}, font, 0.4, black, 1, cv::LINE_AA);
            ly += 16;
        }
        if (!cv::imwrite(path, img)) {
            plot_error(err, err_len, std::string("cannot write ") + path);
            return SIGND_PLOT_IO_ERROR;
        }
        return SIGND_PLOT_OK;
    } catch (const cv::Exception &e) {
        plot_error(err, err_len, std::string("signd_plot_png: OpenCV error: ") + e.what());
        return SIGND_PLOT_OPENCV_ERROR;
    } catch (const std::exception &e) {
        plot_error(err, err_len, std::string("signd_plot_png: ") + e.what());
        return SIGND_PLOT_OPENCV_ERROR;
    }
}
