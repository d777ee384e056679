#ifndef SIGND_CAPTURE_H
#define SIGND_CAPTURE_H
#endif
