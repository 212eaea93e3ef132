#!/usr/bin/env python3
"""Benchmark of camera-playback: prints figures, never passes or fails.

    cargo build --release -p recorder --example fill_bucket -p playback --bin camera-playback
    python3 scripts/bench_playback.py [--days 30] [--per-day 96] [--viewers 20] [--viewer-seconds 60] [--runs 3]

A local SeaweedFS is filled through the recorder's own upload path (target/release/examples/fill_bucket: the
metadata, the verification and the fragment index exactly as a recorder writes them):
  camera "month": --days x --per-day 15-minute segments (one small real H.264 file, 2 s GOPs, stamped with
                  each slot's time), for the timeline and the time to first byte;
  camera "hour":  four 15-minute segments of a real 2 Mbit/s stream (one hour, ~900 MB), for the export and
                  the viewers.
Then target/release/camera-playback serves the bucket and this script measures, with persistent HTTP
connections (as a browser keeps them):
  1. timeline of all --days days in one request: cold (a fresh server; S3 requests counted from the server's
     own camera_playback_s3_requests_total) and warm (20 repeats, median and p95);
  2. time to first byte of playback from 50 random instants: GET .../playback (the plan), the HLS playlist,
     the init section and the first media segment, measured to the first byte of that last answer; cold
     (first pass) and warm (second pass, same instants), p50 and p95;
  3. export of the hour against `aws s3 cp` of the same four objects, alternating, --runs times each, wall
     clock from request to last byte; ratio ours/aws (>= 0.8 is the goal);
  4. the server's resident memory while --viewers clients each play the hour from a random instant (plan,
     playlist, then every media segment in order, as fast as the server sends), sampled every 0.5 s.
Figures also go to target/bench/playback.json.
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the recorder benchmark's process, SeaweedFS and aws helpers)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-viewer-token-0123456789"
SEGMENT_SECS = 900


def ffmpeg_segment(path, size, bitrate, pattern):
    """A real 900 s H.264 segment muxed as the recorder muxes them (fragment per 2 s GOP)."""
    argv = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=15:duration={SEGMENT_SECS}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-b:v", bitrate, "-maxrate", bitrate,
            "-bufsize", bitrate, "-pix_fmt", "yuv420p",
            "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", str(path)]
    subprocess.run(argv, check=True)
    return path.stat().st_size


def fill(endpoint, camera, path, days, per_day, limit=None):
    argv = [str(ROOT / "target/release/examples/fill_bucket"), endpoint, bench.BUCKET, camera, str(path),
            str(SEGMENT_SECS), str(days), str(per_day)] + ([str(limit)] if limit else [])
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise bench.BenchError(f"fill_bucket failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Client:
    """One persistent connection, like one browser tab."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, path, headers=None, sink=False):
        all_headers = {"Authorization": f"Bearer {TOKEN}"}
        all_headers.update(headers or {})
        began = time.perf_counter()
        self.conn.request("GET", path, headers=all_headers)
        response = self.conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - began
        size = len(first)
        if sink:
            while chunk := response.read(1 << 20):
                size += len(chunk)
            body = b""
        else:
            body = first + response.read()
            size = len(body)
        if response.status >= 400:
            raise bench.BenchError(f"GET {path}: {response.status} {body[:300]!r}")
        return response, body, ttfb, size, time.perf_counter() - began


def s3_requests(client):
    _, body, *_ = client.request("/metrics")
    return sum(float(line.split()[-1]) for line in body.decode().splitlines()
               if line.startswith("camera_playback_s3_requests_total"))


def start_playback(launched, tmp, endpoint, n):
    port = bench.free_ports(1)[0]
    log = open(tmp / f"playback-{n}.log", "wb")
    env = {"PATH": "/usr/bin:/bin", "S3_ENDPOINT": endpoint, "S3_BUCKET": bench.BUCKET, "PLAYBACK_TOKEN": TOKEN,
           "LISTEN_ADDR": f"127.0.0.1:{port}", "RUST_LOG": "warn"}
    proc = launched.start(f"playback-{n}", [str(ROOT / "target/release/camera-playback")], env=env, stdout=log,
                          stderr=subprocess.STDOUT)
    bench.wait_for_http(f"http://127.0.0.1:{port}/health", proc, 20, "camera-playback", tmp / f"playback-{n}.log")
    return proc, port


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def media_urls(camera, playlist_text):
    """(init url, init range, [(media url, range header)]) of an HLS playlist."""
    base = f"/api/v1/cameras/{camera}/"
    init, segments, byterange = None, [], None
    for line in playlist_text.splitlines():
        if line.startswith("#EXT-X-MAP:") and init is None:
            uri = line.split('URI="')[1].split('"')[0]
            length, offset = line.split('BYTERANGE="')[1].split('"')[0].split("@")
            init = (base + uri, f"bytes={offset}-{int(offset) + int(length) - 1}")
        elif line.startswith("#EXT-X-BYTERANGE:"):
            length, offset = line.split(":")[1].split("@")
            byterange = f"bytes={offset}-{int(offset) + int(length) - 1}"
        elif line and not line.startswith("#"):
            segments.append((base + line, byterange))
    return init, segments


def play_start(client, camera, instant):
    """Plan, playlist, init, first media segment: returns (ttfb of the first media bytes from the start, segments)."""
    began = time.perf_counter()
    _, plan, *_ = client.request(f"/api/v1/cameras/{camera}/playback?start={iso(instant)}")
    playlist_url = json.loads(plan)["playlist"]
    _, playlist, *_ = client.request(playlist_url)
    init, segments = media_urls(camera, playlist.decode())
    client.request(init[0], {"Range": init[1]}, sink=True)
    client.conn.request("GET", segments[0][0], headers={"Authorization": f"Bearer {TOKEN}", "Range": segments[0][1]})
    response = client.conn.getresponse()
    response.read(1)
    ttfb = time.perf_counter() - began
    response.read()
    return ttfb, segments


def part_timeline(port, days, first_day):
    print(f"\n== 1. timeline of {days} days in one request", flush=True)
    client = Client(port)
    before = s3_requests(client)
    start, end = iso(first_day), iso(first_day + days * 86400)
    path = f"/api/v1/cameras/month/timeline?start={start}&end={end}"
    _, body, _, _, cold = client.request(path)
    requests = s3_requests(client) - before
    spans = len(json.loads(body)["spans"])
    warm = [client.request(path)[4] for _ in range(20)]
    figures = {"days": days, "spans": spans, "cold_ms": round(cold * 1000, 1), "cold_s3_requests": requests,
               "s3_requests_per_camera_day": round(requests / days, 2),
               "warm_median_ms": round(statistics.median(warm) * 1000, 1), "warm_p95_ms": round(pct(warm, 0.95) * 1000, 1)}
    print(f"  cold: {figures['cold_ms']} ms, {requests:.0f} S3 requests ({figures['s3_requests_per_camera_day']} per "
          f"camera-day); warm: median {figures['warm_median_ms']} ms, "
          f"p95 {figures['warm_p95_ms']} ms (goal <= 150 ms warm, <= 1 request per camera-day cold)", flush=True)
    return figures


def part_ttfb(port, days, first_day):
    print("\n== 2. time to first byte of playback from 50 random instants", flush=True)
    rng = random.Random(7)
    instants = [first_day + rng.uniform(0, days * 86400 - 4 * 3600) for _ in range(50)]
    client = Client(port)
    cold = [play_start(client, "month", t)[0] for t in instants]
    warm = [play_start(client, "month", t)[0] for t in instants]
    figures = {k: round(v * 1000, 1) for k, v in {
        "cold_p50_ms": pct(cold, 0.5), "cold_p95_ms": pct(cold, 0.95),
        "warm_p50_ms": pct(warm, 0.5), "warm_p95_ms": pct(warm, 0.95)}.items()}
    print(f"  cold p50 {figures['cold_p50_ms']} ms, p95 {figures['cold_p95_ms']} ms; warm p50 {figures['warm_p50_ms']} "
          f"ms, p95 {figures['warm_p95_ms']} ms (goal <= 300 ms p95 warm)", flush=True)
    return figures


def part_export(port, endpoint, hour_start, runs, tmp):
    print(f"\n== 3. export of one hour against aws s3 cp of the same objects (to stdout), {runs} runs each, "
          "alternating", flush=True)
    path = f"/api/v1/cameras/hour/export?start={iso(hour_start)}&end={iso(hour_start + 3600)}"
    ours, aws, size = [], [], 0
    listing = subprocess.run(["aws", "--endpoint-url", endpoint, "--region", "us-east-1", "s3api", "list-objects-v2",
                              "--bucket", bench.BUCKET, "--prefix", "hour/", "--query", "Contents[].Key", "--output",
                              "json"], env=bench.aws_env(tmp), check=True, capture_output=True, text=True)
    keys = [k for k in json.loads(listing.stdout) if k.endswith(".mp4")]
    for run in range(1, runs + 1):
        client = Client(port)
        _, _, _, size, wall = client.request(path, sink=True)
        ours.append(size / 1e6 / wall)
        # Each object to stdout, read and dropped as the export is: neither side pays for a disk write.
        began, copied = time.perf_counter(), 0
        for key in keys:
            argv = ["aws", "--endpoint-url", endpoint, "--region", "us-east-1", "s3", "cp", "--only-show-errors",
                    f"s3://{bench.BUCKET}/{key}", "-"]
            done = subprocess.run(argv, env=bench.aws_env(tmp), check=True, stdout=subprocess.PIPE)
            copied += len(done.stdout)
        wall = time.perf_counter() - began
        aws.append(copied / 1e6 / wall)
        print(f"  run {run}: export {ours[-1]:6.1f} MB/s ({size / 1e6:.0f} MB); aws s3 cp {aws[-1]:6.1f} MB/s "
              f"({copied / 1e6:.0f} MB)", flush=True)
    figures = {"export_mb": round(size / 1e6, 1), "ours_mb_per_s": [round(v, 1) for v in ours],
               "aws_mb_per_s": [round(v, 1) for v in aws]}
    figures["ratio_ours_to_aws"] = round(statistics.median(ours) / statistics.median(aws), 2)
    print(f"  median ratio export/aws {figures['ratio_ours_to_aws']} (goal >= 0.8)", flush=True)
    return figures


def part_viewers(port, proc, hour_start, viewers, seconds):
    print(f"\n== 4. resident memory with {viewers} concurrent viewers for {seconds} s", flush=True)
    stop = threading.Event()
    served = [0] * viewers
    errors = []

    def viewer(n):
        rng = random.Random(n)
        client = Client(port)
        try:
            while not stop.is_set():
                _, segments = play_start(client, "hour", hour_start + rng.uniform(0, 3000))
                for url, byterange in segments[1:]:
                    if stop.is_set():
                        break
                    served[n] += client.request(url, {"Range": byterange}, sink=True)[3]
        except Exception as error:  # noqa: BLE001 (reported below, the benchmark goes on)
            errors.append(repr(error))

    baseline = bench.read_rss_mib(proc.pid)
    threads = [threading.Thread(target=viewer, args=(n,), daemon=True) for n in range(viewers)]
    for t in threads:
        t.start()
    samples, began = [], time.monotonic()
    while time.monotonic() - began < seconds:
        time.sleep(0.5)
        samples.append(bench.read_rss_mib(proc.pid))
    stop.set()
    for t in threads:
        t.join(timeout=30)
    third = max(1, len(samples) // 3)
    figures = {"viewers": viewers, "seconds": seconds, "rss_idle_mib": round(baseline, 1),
               "rss_peak_mib": round(max(samples), 1),
               "rss_first_third_mean_mib": round(statistics.mean(samples[:third]), 1),
               "rss_last_third_mean_mib": round(statistics.mean(samples[-third:]), 1),
               "served_mb": round(sum(served) / 1e6, 1), "errors": errors[:3]}
    print(f"  RSS idle {figures['rss_idle_mib']} MiB, peak {figures['rss_peak_mib']} MiB, mean of the first third "
          f"{figures['rss_first_third_mean_mib']} MiB, of the last third {figures['rss_last_third_mean_mib']} MiB; "
          f"served {figures['served_mb']} MB ({figures['served_mb'] / seconds:.0f} MB/s) (goal <= 64 MiB, flat)",
          flush=True)
    if errors:
        print(f"  viewer errors: {errors[:3]}", flush=True)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=96)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--viewer-seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for binary in ["target/release/examples/fill_bucket", "target/release/camera-playback"]:
        if not (ROOT / binary).exists():
            sys.exit(f"{binary} is missing: cargo build --release -p recorder --example fill_bucket -p playback "
                     "--bin camera-playback")
    launched = bench.Launched()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-playback-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            _, endpoint = bench.start_seaweedfs(launched, tmp)
            print("== filling the bucket through the recorder's upload path", flush=True)
            small = ffmpeg_segment(tmp / "small.mp4", "96x64", "12k", "testsrc2")
            report = fill(endpoint, "month", tmp / "small.mp4", args.days, args.per_day)
            print(f"  month: {report['segments']} segments of {small / 1e6:.1f} MB in {report['seconds']} s", flush=True)
            big = ffmpeg_segment(tmp / "big.mp4", "640x360", "2M", "testsrc2")
            report = fill(endpoint, "hour", tmp / "big.mp4", 1, 96, limit=4)
            print(f"  hour: {report['segments']} segments of {big / 1e6:.0f} MB in {report['seconds']} s", flush=True)
            today = time.time() // 86400 * 86400
            first_day = today - args.days * 86400
            hour_start = today - 86400  # fill_bucket put the hour at 00:00 UTC yesterday
            proc, port = start_playback(launched, tmp, endpoint, 1)
            results["timeline"] = part_timeline(port, args.days, first_day)
            results["ttfb"] = part_ttfb(port, args.days, first_day)
            results["export"] = part_export(port, endpoint, hour_start, args.runs, tmp)
            results["viewers"] = part_viewers(port, proc, hour_start, args.viewers, args.viewer_seconds)
        finally:
            launched.stop_all()
    out = ROOT / "target/bench/playback.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nfigures: {out}")


if __name__ == "__main__":
    main()
