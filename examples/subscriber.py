#!/usr/bin/env python3
"""Print signd events as they arrive (pyzmq).

    python3 examples/subscriber.py --endpoint tcp://127.0.0.1:5556 --topic signd.cam0.
    python3 examples/subscriber.py --endpoint ipc:///run/signd/events --topic signd.cam0.state

With CURVE (see docs/events.md):
    python3 examples/subscriber.py --endpoint tcp://host:5556 --server-key=<Z85> \
        --public-key=<Z85> --secret-key-file client.secret
(write keys with `=`: a Z85 key may begin with '-', which argparse would take for an option)

Each event is printed as one line: the topic, a space, the JSON payload. Gaps in a topic's `seq`
(events dropped for this subscriber) are reported on stderr.
"""
import argparse
import json
import sys

try:
    import zmq
except ImportError:  # the one dependency: say how to get it instead of a traceback
    sys.exit("subscriber.py needs pyzmq: `sudo apt install python3-zmq` (scripts/setup installs it) or `pip install pyzmq`")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", default="tcp://127.0.0.1:5556", help="publisher endpoint (tcp:// or ipc://)")
    p.add_argument("--topic", default="signd.", help="topic prefix filter, e.g. signd.cam0. (default: everything)")
    p.add_argument("--count", type=int, default=0, help="exit after this many events (0: run until Ctrl-C)")
    p.add_argument("--timeout", type=float, default=0, help="exit with status 2 if no event for this many seconds")
    p.add_argument("--server-key", help="CURVE: the publisher's public key (Z85; pass as --server-key=KEY)")
    p.add_argument("--public-key", help="CURVE: this client's public key (Z85; pass as --public-key=KEY)")
    p.add_argument("--secret-key-file", help="CURVE: file holding this client's secret key (Z85)")
    args = p.parse_args()

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    if args.server_key:
        if not (args.public_key and args.secret_key_file):
            p.error("--server-key needs --public-key and --secret-key-file")
        with open(args.secret_key_file) as f:
            secret = f.read().strip()
        sub.curve_serverkey = args.server_key.encode()
        sub.curve_publickey = args.public_key.encode()
        sub.curve_secretkey = secret.encode()
    sub.setsockopt(zmq.SUBSCRIBE, args.topic.encode())
    sub.connect(args.endpoint)
    if args.timeout > 0:
        sub.setsockopt(zmq.RCVTIMEO, int(args.timeout * 1000))

    last_seq = {}
    received = 0
    try:
        while args.count == 0 or received < args.count:
            try:
                parts = sub.recv_multipart()
            except zmq.Again:
                print(f"no event within {args.timeout} s", file=sys.stderr)
                return 2
            if len(parts) != 2:
                print(f"skipping a message of {len(parts)} frames", file=sys.stderr)
                continue
            topic = parts[0].decode()
            event = json.loads(parts[1])
            seq = event["seq"]
            if topic in last_seq and seq != last_seq[topic] + 1:
                print(f"{topic}: seq {last_seq[topic]} -> {seq} ({seq - last_seq[topic] - 1} dropped)",
                      file=sys.stderr)
            last_seq[topic] = seq
            print(topic, json.dumps(event, sort_keys=True), flush=True)
            received += 1
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()
        ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
