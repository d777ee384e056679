// Thin C API over OpenCV 4.6 (videoio, imgproc). Every function catches cv::Exception and reports it
// through an error buffer, so an OpenCV failure never aborts the process.
#ifndef SIGND_OPENCV_H
#define SIGND_OPENCV_H
#include "signd_capture.h"
#include "signd_image.h"
#include "signd_plot.h"
#endif
