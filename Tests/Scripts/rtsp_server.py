#!/usr/bin/python3
"""Loopback RTSP test server (GStreamer RTSP server from Debian packages).

Serves a live MJPEG test pattern at rtsp://127.0.0.1:PORT/test until killed. Used by the capture tests to
exercise a real network source that disappears and comes back.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--tcp-only", action="store_true", help="refuse RTP over UDP (clients must interleave over TCP)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,width={width},height={height},framerate={args.fps}/1,format=I420 "
        f"! jpegenc quality=70 ! rtpjpegpay name=pay0 pt=26 )"
    )
    factory.set_shared(True)
    if args.tcp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print(f"cannot bind 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    print(f"ready rtsp://127.0.0.1:{args.port}/test", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
