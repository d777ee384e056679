/* Print signd events as they arrive, with plain libzmq.
 *
 *   cc examples/subscriber.c -o subscriber -lzmq
 *   ./subscriber [endpoint] [topic-prefix] [count]
 *   ./subscriber tcp://127.0.0.1:5556 signd.cam0. 10
 *
 * CURVE: set SIGND_SERVER_KEY, SIGND_CLIENT_PUBLIC_KEY and SIGND_CLIENT_SECRET_KEY (Z85, 40 characters).
 * Each event is printed as one line: topic, a space, the JSON payload. count 0 (the default) runs until
 * interrupted.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static volatile sig_atomic_t interrupted = 0;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

static int set_key(void *sock, int option, const char *variable) {
    const char *key = getenv(variable);
    if (key == NULL || strlen(key) != 40) {
        fprintf(stderr, "%s must hold a 40-character Z85 key\n", variable);
        return -1;
    }
    if (zmq_setsockopt(sock, option, key, 40) != 0) {
        fprintf(stderr, "setting %s: %s\n", variable, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *endpoint = argc > 1 ? argv[1] : "tcp://127.0.0.1:5556";
    const char *prefix = argc > 2 ? argv[2] : "signd.";
    long count = argc > 3 ? strtol(argv[3], NULL, 10) : 0;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocking receive returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    if (getenv("SIGND_SERVER_KEY") != NULL) {
        if (set_key(sub, ZMQ_CURVE_SERVERKEY, "SIGND_SERVER_KEY") || set_key(sub, ZMQ_CURVE_PUBLICKEY, "SIGND_CLIENT_PUBLIC_KEY") ||
            set_key(sub, ZMQ_CURVE_SECRETKEY, "SIGND_CLIENT_SECRET_KEY"))
            return 1;
    }
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, prefix, strlen(prefix));
    if (zmq_connect(sub, endpoint) != 0) {
        fprintf(stderr, "connect %s: %s\n", endpoint, zmq_strerror(zmq_errno()));
        return 1;
    }

    long received = 0;
    int status = 0;
    while (!interrupted && (count == 0 || received < count)) {
        zmq_msg_t topic, payload;
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, sub, 0) < 0) {
            zmq_msg_close(&topic);
            if (zmq_errno() == EINTR) continue;
            fprintf(stderr, "receive: %s\n", zmq_strerror(zmq_errno()));
            status = 1;
            break;
        }
        if (!zmq_msg_more(&topic)) { /* not [topic, JSON]: skip it */
            zmq_msg_close(&topic);
            continue;
        }
        zmq_msg_init(&payload);
        zmq_msg_recv(&payload, sub, 0); /* the rest of a multipart message is already here */
        printf("%.*s %.*s\n", (int)zmq_msg_size(&topic), (const char *)zmq_msg_data(&topic),
               (int)zmq_msg_size(&payload), (const char *)zmq_msg_data(&payload));
        fflush(stdout);
        while (zmq_msg_more(&payload)) { /* drain unexpected extra frames */
            zmq_msg_close(&payload);
            zmq_msg_init(&payload);
            zmq_msg_recv(&payload, sub, 0);
        }
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
        received++;
    }
    zmq_close(sub);
    zmq_ctx_term(ctx);
    return status;
}
