#!/usr/bin/python3
"""A simulated IP camera: GStreamer's RTSP server serving a live test pattern with a burned-in clock.

Run it with Debian's /usr/bin/python3, which has GStreamer's Python bindings (gi).

    /usr/bin/python3 tools/camera-sim.py --port 0 --codec h264 --audio pcma --user admin --password 'p@ss:/#'

Port 0 picks a free port. Once the server listens it prints one line to stdout,
`READY rtsp://127.0.0.1:PORT/stream`, so a test can wait for it instead of sleeping. The URL it prints never
carries the credentials. Tests stop it (SIGTERM), freeze it (SIGSTOP/SIGCONT) and restart it on the same port.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

VIDEO_ENCODERS = {
    # key-int-max sets the GOP, in frames; the recorder's segment cuts and crash losses depend on it.
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} ! rtph264pay name=pay0 pt=96",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={kbps} ! rtph265pay name=pay0 pt=96",
}

AUDIO_ENCODERS = {
    "none": "",
    "aac": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! voaacenc ! rtpmp4gpay name=pay1 pt=97",
    "pcma": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8",
    "pcmu": "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0",
}


def launch_line(args):
    video = (
        f"videotestsrc is-live=true pattern={args.pattern} ! video/x-raw,width={args.width},height={args.height},"
        f"framerate={args.fps}/1 ! clockoverlay time-format=\"%Y-%m-%d %H:%M:%S\" ! "
        + VIDEO_ENCODERS[args.codec].format(gop=args.gop, kbps=args.bitrate)
    )
    audio = AUDIO_ENCODERS[args.audio]
    return f"( {video} {audio} )"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8554, help="RTSP port; 0 picks a free one")
    parser.add_argument("--address", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)")
    parser.add_argument("--path", default="/stream")
    parser.add_argument("--codec", choices=sorted(VIDEO_ENCODERS), default="h264")
    parser.add_argument("--audio", choices=sorted(AUDIO_ENCODERS), default="none")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--pattern", default="ball", help="videotestsrc pattern; snow does not compress, for high bitrates")
    parser.add_argument("--gop", type=int, default=30, help="keyframe interval in frames")
    parser.add_argument("--bitrate", type=int, default=2000, help="video bitrate in kbit/s")
    parser.add_argument("--user", help="require basic auth with this user")
    parser.add_argument("--password", default="", help="password for --user")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(args))
    # One encoder shared by every client, like a real camera, and it keeps running between clients.
    factory.set_shared(True)

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)

    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        sys.exit(f"camera-sim: cannot listen on 127.0.0.1:{args.port}")

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)

    host = "127.0.0.1" if args.address in ("0.0.0.0", "127.0.0.1") else args.address
    print(f"READY rtsp://{host}:{server.get_bound_port()}{args.path}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
