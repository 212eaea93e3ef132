#!/usr/bin/env python3
"""Benchmark of retention passes: prints figures, never passes or fails.

    cargo build --release -p recorder --bin camera-recorder --example fill_bucket
    python3 scripts/bench_retention.py [--days 90] [--per-day 96] [--retention-days 30] [--holds 2]

A local SeaweedFS is filled through the recorder's own upload path (target/release/examples/fill_bucket: each
segment with its metadata and its index object, exactly as a recorder writes them): camera "yard", --days x
--per-day 15-minute segments (one small real H.264 file stamped with each slot's time), and --holds holds in
the expired range. Then `camera-recorder --retention-pass` (the same pass the recorder runs hourly) runs:

  1. a dry run with --retention-days (plans everything, deletes nothing);
  2. the first real pass: the whole backlog of expired days;
  3. an hour later in the steady state (retention one hour shorter: the hour that has expired since);
  4. a pass with nothing to do.

For each: S3 requests by operation (the pass's own count), objects and bytes deleted, wall-clock seconds.
Deletions are paced at DELETE_REQUESTS_PER_SECOND (2/s), so a pass with N DeleteObjects spends at least
(N - 1) / 2 s waiting on purpose. Figures also go to target/bench/retention.json.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (SeaweedFS and aws helpers)
import bench_playback  # noqa: E402  (the small real segment, fill_bucket)

ROOT = Path(__file__).resolve().parent.parent
RECORDER = ROOT / "target/release/camera-recorder"
CAMERA = "yard"


def put_hold(endpoint, tmp, n, start, end):
    hold = {"id": f"bench-{n}", "camera": CAMERA, "start": start, "end": end, "reason": "benchmark",
            "created": bench_playback.iso(time.time())}
    path = tmp / f"hold-{n}.json"
    path.write_text(json.dumps(hold))
    argv = ["aws", "--endpoint-url", endpoint, "--region", "us-east-1", "s3api", "put-object", "--bucket",
            bench.BUCKET, "--key", f"{CAMERA}/holds/bench-{n}.json", "--body", str(path), "--content-type",
            "application/json"]
    subprocess.run(argv, env=bench.aws_env(tmp), check=True, capture_output=True)


def one_pass(endpoint, retention, dry_run=False):
    argv = [str(RECORDER), "--retention-pass", "--camera", CAMERA, "--retention", retention]
    if dry_run:
        argv.append("--dry-run")
    env = {"PATH": "/usr/bin:/bin", "S3_ENDPOINT": endpoint, "S3_BUCKET": bench.BUCKET, "RUST_LOG": "warn"}
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise bench.BenchError(f"retention pass failed ({done.returncode}): {done.stdout}{done.stderr[-2000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    report = summary["report"]
    requests = report["requests"]
    return {
        "retention": retention,
        "dry_run": dry_run,
        "seconds": round(seconds, 2),
        "requests": sum(requests.values()),
        "by_operation": requests,
        "deleted_objects": report["deletedObjects"],
        "deleted_mb": round(report["deletedBytes"] / 1e6, 1),
        "held_segments": report["heldSegments"],
        "holds": report["holds"],
    }


def show(name, figures):
    ops = ", ".join(f"{k} {v}" for k, v in figures["by_operation"].items() if v)
    paced = max(0, figures["by_operation"]["deleteObjects"] - 1) / 2
    print(f"  {name}: {figures['seconds']} s ({paced:.1f} s of it pacing), {figures['requests']} requests ({ops}); "
          f"deleted {figures['deleted_objects']} objects / {figures['deleted_mb']} MB"
          f"{' (would)' if figures['dry_run'] else ''}, {figures['held_segments']} held segments", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=96)
    parser.add_argument("--retention-days", type=int, default=30)
    parser.add_argument("--holds", type=int, default=2)
    args = parser.parse_args()
    for binary in [RECORDER, ROOT / "target/release/examples/fill_bucket"]:
        if not binary.exists():
            sys.exit(f"{binary} is missing: cargo build --release -p recorder --bin camera-recorder "
                     "--example fill_bucket")
    launched = bench.Launched()
    results = {"days": args.days, "per_day": args.per_day, "retention_days": args.retention_days}
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            _, endpoint = bench.start_seaweedfs(launched, tmp)
            print(f"== filling {args.days} days x {args.per_day} segments through the recorder's upload path",
                  flush=True)
            small = bench_playback.ffmpeg_segment(tmp / "small.mp4", "96x64", "12k", "testsrc2")
            report = bench_playback.fill(endpoint, CAMERA, tmp / "small.mp4", args.days, args.per_day)
            results["fill"] = {"segments": report["segments"], "objects": 2 * report["segments"],
                               "segment_kb": round(small / 1e3, 1), "seconds": report["seconds"]}
            print(f"  {report['segments']} segments with their indexes in {report['seconds']} s", flush=True)
            today = time.time() // 86400 * 86400
            for n in range(args.holds):
                # An hour on an expired day, a week apart.
                start = today - (args.days - 5 - 7 * n) * 86400 + 3600 * 10
                put_hold(endpoint, tmp, n, bench_playback.iso(start), bench_playback.iso(start + 3600))
            retention = f"{args.retention_days}d"
            print(f"== retention passes ({retention})", flush=True)
            for name, retention_text, dry in [
                ("dry run", retention, True),
                ("first pass (the backlog)", retention, False),
                ("an hour later (steady state)", f"{args.retention_days * 24 - 1}h", False),
                ("nothing to do", f"{args.retention_days * 24 - 1}h", False),
            ]:
                figures = one_pass(endpoint, retention_text, dry)
                results[name] = figures
                show(name, figures)
        finally:
            launched.stop_all()
    out = ROOT / "target/bench/retention.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nfigures: {out}")


if __name__ == "__main__":
    main()
