#ifndef SIGND_IMAGE_H
#define SIGND_IMAGE_H
#endif
