#ifndef SIGND_LITERT_H
#define SIGND_LITERT_H
#endif
