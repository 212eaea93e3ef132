#!/usr/bin/env python3
"""Benchmark of camera-recorder: prints figures, never passes or fails.

    python3 scripts/bench.py [--cameras 16] [--seconds 60] [--upload-mb 450] [--skip-upload] [--skip-recording]
                             [--pattern snow] [--upload-runs 3] [--keep-temp]

Part 1, recording cost. One simulated camera (640x360, 15 fps, 2000 kbit/s, GOP 30) feeds, at the same time,
  (a) camera-recorder with N cameras (all the same URL), 10 s segments uploaded to a local SeaweedFS, and
  (b) N bare `ffmpeg` processes doing the same stream copy into local files: the baseline, i.e. what the
      recording would cost with no recorder at all.
The camera shows the `snow` test pattern by default because noise does not compress: x264 then really sends
~2000 kbit/s. With a simple pattern (--pattern ball) it sends ~120 kbit/s whatever the bitrate setting, which
makes FFmpeg's work, and so the baseline, about 16 times smaller. The bitrate actually recorded is printed.
Both run side by side so that they see the same machine noise. Over a window of --seconds it measures, from
/proc, the CPU time (user + system) of the recorder process itself, of its children (the FFmpeg per camera and
any ffprobe), and of the N baseline FFmpegs, and samples the recorder's resident memory.

How to read it:
  ratio = (recorder itself + its children) / baseline.
  1.00 means the recorder adds nothing over running FFmpeg by hand; 1.05 means the recorder (supervision,
  progress parsing, uploads, HTTP) costs 5 % more than the bare recording. The goal is <= 1.05, and a recorder
  RSS of <= 30 MiB with 16 cameras. The baseline uploads nothing, so every cost of uploading (reading and
  hashing each segment, HTTP) lands in the recorder's own line; "MB uploaded in window" shows how much that was.
  The recorder's FFmpegs are not byte-for-byte the baseline command: they also print -progress once a second
  and flush each packet (flush_packets=1), so part of any excess is there, in the children's line, not in the
  recorder's own line.
  CPU % is percent of one core over the window.

Part 2, upload throughput. A random --upload-mb file is uploaded alternately by
`target/release/examples/upload_file` (the recorder's own upload code) and by `aws s3 cp` to the same SeaweedFS.
Both are timed wall-clock from process start to exit, so both pay their start-up; the ratio
ours/aws >= 1.0 means ours is at least as fast. upload_file's own timer (upload only) is printed as well.

Figures also go to target/bench/results.json. Every process started here is stopped on exit, on Ctrl-C and on
SIGTERM; each child also gets PR_SET_PDEATHSIG so that it dies if this script is killed outright.
"""

import argparse
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CAMERA_SIM = REPO / "tools" / "camera-sim.py"
# The camera sim needs GStreamer's Python bindings, which only Debian's Python has.
SYSTEM_PYTHON = "/usr/bin/python3"
BUILD_HINT = "cargo build --release -p recorder --bin camera-recorder --example upload_file"
RESULTS = REPO / "target" / "bench" / "results.json"
BUCKET = "bench"

SIM_WIDTH, SIM_HEIGHT, SIM_FPS, SIM_KBPS, SIM_GOP = 640, 360, 15, 2000, 30
SEGMENT_SECONDS = 10
READY_TIMEOUT = 60.0  # seconds for every camera to report recording
WARMUP = 5.0
SAMPLE_PERIOD = 0.5
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

# Variables the recorder reads as overrides of its config file; a stray one in the caller's shell would change
# what is measured, so they are removed from the recorder's environment.
RECORDER_ENV_OVERRIDES = (
    "S3_", "CAMERA_", "TEMP_DIR", "SEGMENT_DURATION", "SPOOL_MAX_BYTES", "STALL_TIMEOUT", "SHUTDOWN_GRACE",
    "LISTEN_ADDR", "CONFIG_FILE",
)


class BenchError(Exception):
    """The benchmark could not run; the message says why."""


# ---------------------------------------------------------------------------------------------------------------
# Processes: every child is registered here, so one `stop_all` in a finally block stops them all.
# ---------------------------------------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child between fork and exec: if this script is SIGKILLed, the kernel kills the child too.
    # The script is single-threaded, which is what makes preexec_fn safe here.
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Launched:
    """The processes this script started, in start order, plus grandchildren seen (the recorder's FFmpegs)."""

    def __init__(self):
        self.procs = []  # (name, Popen, stop timeout in seconds)
        self.grandchildren = {}  # pid -> starttime, to kill leftovers without hitting a reused pid

    def start(self, name, argv, stop_timeout=10.0, **kwargs):
        # Own session: a terminal's Ctrl-C reaches only this script, which then stops everything in order.
        proc = subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent, **kwargs)
        self.procs.append((name, proc, stop_timeout))
        return proc

    def stop(self, procs):
        """SIGTERM the given (name, Popen, timeout) entries together, wait, then SIGKILL what is left."""
        live = [(n, p, t) for n, p, t in procs if p.poll() is None]
        for _, proc, _ in live:
            _signal(proc.pid, signal.SIGTERM)
        started = time.monotonic()
        for _, proc, timeout in live:
            try:
                proc.wait(timeout=max(0.1, timeout - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                _signal(proc.pid, signal.SIGKILL)
                proc.wait()
        return time.monotonic() - started

    def stop_named(self, prefix):
        chosen = [entry for entry in self.procs if entry[0].startswith(prefix)]
        return self.stop(chosen)

    def stop_all(self):
        # Reverse start order: the recorder flushes to SeaweedFS before SeaweedFS goes away.
        for entry in reversed(self.procs):
            self.stop([entry])
        for pid, starttime in self.grandchildren.items():
            stat = read_stat(pid)
            if stat and stat["starttime"] == starttime:
                _signal(pid, signal.SIGKILL)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def free_ports(count):
    """Distinct free loopback ports: all sockets are held open until every port is chosen."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


# ---------------------------------------------------------------------------------------------------------------
# /proc readers
# ---------------------------------------------------------------------------------------------------------------

def read_stat(pid):
    """Fields of /proc/PID/stat we use, CPU in seconds; None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("ascii", "replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    # comm may contain spaces and parentheses: it ends at the last ')'.
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); field N is rest[N - 3].
    return {
        "pid": pid,
        "comm": comm,
        "ppid": int(rest[1]),
        "cpu": (int(rest[11]) + int(rest[12])) / CLK_TCK,  # utime + stime
        "child_cpu": (int(rest[13]) + int(rest[14])) / CLK_TCK,  # cutime + cstime: reaped children
        "starttime": int(rest[19]),
    }


def read_rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def children_of(ppid):
    """Direct children of ppid, keyed by (pid, starttime) so that a reused pid is a different process."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = read_stat(int(name))
        if stat and stat["ppid"] == ppid:
            found[(stat["pid"], stat["starttime"])] = stat
    return found


def machine_cpu_times():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user time
    return total - idle, total


# ---------------------------------------------------------------------------------------------------------------
# Services: SeaweedFS and the camera simulator
# ---------------------------------------------------------------------------------------------------------------

def start_seaweedfs(launched, tmp):
    ports = free_ports(8)
    data, logs = tmp / "seaweed", tmp / "seaweed-logs"
    data.mkdir()
    logs.mkdir()
    argv = [
        "weed", f"-logdir={logs}", "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false",
        "-s3", "-volume.max=0", "-master.volumeSizeLimitMB=256", f"-dir={data}",
        f"-s3.port={ports[0]}", f"-master.port={ports[1]}", f"-volume.port={ports[2]}", f"-filer.port={ports[3]}",
        f"-s3.port.grpc={ports[4]}", f"-master.port.grpc={ports[5]}", f"-volume.port.grpc={ports[6]}",
        f"-filer.port.grpc={ports[7]}", "-s3.port.iceberg=0", "-s3.port.lance=0",
    ]
    log = open(tmp / "seaweed.out", "wb")
    proc = launched.start("seaweedfs", argv, stop_timeout=15.0, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{ports[0]}"
    wait_for_http(endpoint, proc, 60.0, "SeaweedFS S3", tmp / "seaweed.out")
    create_bucket(endpoint, tmp)
    return proc, endpoint


def wait_for_http(url, proc, timeout, what, log_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited with {proc.returncode}; log {log_path}:\n{tail(log_path)}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it listens
        except OSError:
            time.sleep(0.3)
    raise BenchError(f"{what} did not answer on {url} within {timeout:.0f} s; log {log_path}:\n{tail(log_path)}")


def aws_env(tmp):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="any", AWS_SECRET_ACCESS_KEY="any", AWS_DEFAULT_REGION="us-east-1")
    # The caller's ~/.aws settings (e.g. s3 max_concurrent_requests) would change the aws figure: use defaults.
    env["AWS_CONFIG_FILE"] = str(tmp / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp / "aws-credentials")
    return env


def create_bucket(endpoint, tmp):
    # The S3 port can answer a moment before the filer behind it is ready: retry for a while.
    argv = ["aws", "--endpoint-url", endpoint, "--region", "us-east-1", "s3api", "create-bucket", "--bucket", BUCKET]
    deadline = time.monotonic() + 30.0
    while True:
        done = subprocess.run(argv, env=aws_env(tmp), capture_output=True, text=True)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"cannot create bucket {BUCKET}: {done.stderr.strip()}")
        time.sleep(1.0)


def start_camera_sim(launched, tmp, pattern):
    argv = [
        SYSTEM_PYTHON, str(CAMERA_SIM), "--port", "0", "--width", str(SIM_WIDTH), "--height", str(SIM_HEIGHT),
        "--fps", str(SIM_FPS), "--bitrate", str(SIM_KBPS), "--gop", str(SIM_GOP), "--pattern", pattern,
    ]
    log = tmp / "camera-sim.err"
    proc = launched.start("camera-sim", argv, stdout=subprocess.PIPE, stderr=open(log, "wb"))
    # It prints one line, `READY rtsp://...`, once it listens.
    ready, _, _ = select.select([proc.stdout], [], [], 30.0)
    line = proc.stdout.readline().decode().strip() if ready else ""
    if not line.startswith("READY "):
        raise BenchError(f"camera sim did not get ready (got {line!r}); stderr:\n{tail(log)}")
    return proc, line.split(" ", 1)[1]


def tail(path, lines=15):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------------------------------------------
# Part 1: recording
# ---------------------------------------------------------------------------------------------------------------

def camera_ids(n):
    return [f"cam-{i:02d}" for i in range(1, n + 1)]


def write_recorder_config(path, url, n, endpoint, spool, listen):
    cameras = "".join(f'[[cameras]]\nid = "{cid}"\nurl = "{url}"\n\n' for cid in camera_ids(n))
    path.write_text(
        cameras
        + "[storage]\n"
        + f's3_endpoint = "{endpoint}"\ns3_bucket = "{BUCKET}"\nsegment_duration = "{SEGMENT_SECONDS}s"\n'
        + f'temp_dir = "{spool}"\n\n'
        + "[recorder]\n"
        + f'listen = "{listen}"\nshutdown_grace = "10s"\n'
    )


def start_recorder(launched, binary, config, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(RECORDER_ENV_OVERRIDES)}
    log = open(log_path, "wb")
    # shutdown_grace is 10 s; leave room for it before SIGKILL.
    return launched.start(
        "recorder", [str(binary), "--config", str(config)], stop_timeout=30.0, env=env,
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )


def baseline_argv(url, out_dir):
    """The recorder's FFmpeg command in its plain form: same inputs, same stream copy, same segmenting."""
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-rtsp_transport", "tcp", "-i", url,
        "-map", "0:v:0", "-an", "-c", "copy", "-f", "segment", "-segment_time", str(SEGMENT_SECONDS),
        "-segment_atclocktime", "1", "-reset_timestamps", "1", "-strftime", "1", "-segment_format", "mp4",
        "-segment_format_options", "movflags=+frag_keyframe+empty_moov+default_base_moof",
        "-segment_list", str(out_dir / "list.csv"), "-segment_list_type", "csv",
        str(out_dir / "%Y%m%dT%H%M%SZ.mp4"),
    ]


def start_baselines(launched, url, n, root):
    procs, dirs = [], []
    env = dict(os.environ, TZ="UTC")
    for cid in camera_ids(n):
        out = root / cid
        out.mkdir(parents=True)
        err = open(root / f"{cid}.log", "wb")
        procs.append(launched.start(f"baseline-{cid}", baseline_argv(url, out), env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err))
        dirs.append(out)
    return procs, dirs


def get_status(listen):
    with urllib.request.urlopen(f"http://{listen}/status", timeout=5) as answer:
        return json.load(answer)


def wait_until_recording(recorder, listen, baselines, dirs, log_path):
    """Bounded wait for every camera of the recorder to record and every baseline to have written a file."""
    deadline = time.monotonic() + READY_TIMEOUT
    last_print, recording, with_files = 0.0, 0, 0
    while time.monotonic() < deadline:
        if recorder.poll() is not None:
            raise BenchError(f"recorder exited with {recorder.returncode}; log {log_path}:\n{tail(log_path)}")
        dead = [i for i, p in enumerate(baselines) if p.poll() is not None]
        if dead:
            raise BenchError(f"baseline ffmpeg for {camera_ids(len(baselines))[dead[0]]} exited early; "
                             f"see {dirs[dead[0]].parent}/*.log")
        try:
            status = get_status(listen)
            recording = sum(1 for c in status["cameras"] if c["recording"])
            total = len(status["cameras"])
        except (OSError, ValueError, KeyError):
            recording, total = 0, len(baselines)  # its HTTP server may not listen yet
        with_files = sum(1 for d in dirs if any(f.stat().st_size > 0 for f in d.glob("*.mp4")))
        if recording == total and with_files == len(dirs):
            return
        if time.monotonic() - last_print > 5:
            print(f"  waiting: recorder {recording}/{total} cameras recording, baseline {with_files}/{len(dirs)} "
                  "with files", flush=True)
            last_print = time.monotonic()
        time.sleep(1.0)
    raise BenchError(f"after {READY_TIMEOUT:.0f} s only {recording} recorder cameras were recording and "
                     f"{with_files} baselines had files; recorder log {log_path}:\n{tail(log_path)}")


class Window:
    """CPU and memory of the recorder, its children and the baselines over one measurement window."""

    def __init__(self, recorder_pid, baseline_pids, baseline_dirs, context_pids, launched):
        self.recorder_pid = recorder_pid
        self.baseline_pids = baseline_pids
        self.baseline_dirs = baseline_dirs
        self.context_pids = context_pids  # name -> pid, e.g. the sim and SeaweedFS, for context only
        self.launched = launched
        self.rss_recorder, self.rss_child, self.rss_baseline = [], [], []
        self.seen = {}  # (pid, starttime) -> last stat seen of each recorder child
        self.samples = 0

    def begin(self):
        self.t0 = time.monotonic()
        self.machine0 = machine_cpu_times()
        self.rec0 = read_stat(self.recorder_pid)
        self.kids0 = children_of(self.recorder_pid)
        self.base0 = {pid: read_stat(pid) for pid in self.baseline_pids}
        self.ctx0 = {name: read_stat(pid) for name, pid in self.context_pids.items()}
        self.bytes0 = dir_bytes(self.baseline_dirs)
        self._remember(self.kids0)

    def sample(self):
        kids = children_of(self.recorder_pid)
        self._remember(kids)
        self.samples += 1
        self.rss_recorder.append(read_rss_mib(self.recorder_pid))
        # Mean over every FFmpeg of each kind: "one FFmpeg" is then their average, not a lucky pick.
        self.rss_child += [read_rss_mib(pid) for (pid, _), stat in kids.items() if stat["comm"] == "ffmpeg"]
        self.rss_baseline += [read_rss_mib(pid) for pid in self.baseline_pids]

    def end(self):
        self.t1 = time.monotonic()
        self.rec1 = read_stat(self.recorder_pid)
        self.kids1 = children_of(self.recorder_pid)
        self.base1 = {pid: read_stat(pid) for pid in self.baseline_pids}
        self.ctx1 = {name: read_stat(pid) for name, pid in self.context_pids.items()}
        self.machine1 = machine_cpu_times()
        self.bytes1 = dir_bytes(self.baseline_dirs)
        self._remember(self.kids1)

    def _remember(self, kids):
        for key, stat in kids.items():
            self.seen[key] = stat
            self.launched.grandchildren[key[0]] = key[1]

    def figures(self):
        if self.rec1 is None:
            raise BenchError("the recorder exited during the measurement window")
        dead = [pid for pid, stat in self.base1.items() if stat is None]
        if dead:
            raise BenchError(f"{len(dead)} baseline ffmpeg(s) exited during the measurement window")
        wall = self.t1 - self.t0
        recorder_cpu = self.rec1["cpu"] - self.rec0["cpu"]
        # Exact accounting of children, including any that started or ended inside the window: a child reaped
        # by the recorder adds its whole CPU time to the recorder's cutime+cstime. So
        #   children = (reaped during window) + (alive at end, all their time) - (alive at start, time before).
        reaped = self.rec1["child_cpu"] - self.rec0["child_cpu"]
        alive_at_end = sum(s["cpu"] for s in self.kids1.values())
        alive_at_start = sum(s["cpu"] for s in self.kids0.values())
        children_cpu = reaped + alive_at_end - alive_at_start
        # Cross-check from the 0.5 s samples alone: loses at most the last half second of a child that ended.
        sampled = sum(s["cpu"] - (self.kids0[k]["cpu"] if k in self.kids0 else 0.0) for k, s in self.seen.items())
        baseline_cpu = sum(self.base1[p]["cpu"] - self.base0[p]["cpu"] for p in self.baseline_pids)
        busy = (self.machine1[0] - self.machine0[0]) / max(1, self.machine1[1] - self.machine0[1])
        kinds = {}
        for key, stat in self.seen.items():
            kinds[stat["comm"]] = kinds.get(stat["comm"], 0) + 1
        context = {
            name: round((self.ctx1[name]["cpu"] - self.ctx0[name]["cpu"]) / wall * 100, 1)
            for name in self.context_pids if self.ctx0[name] and self.ctx1[name]
        }
        total = recorder_cpu + children_cpu
        # What the camera really sent, from what the baselines wrote: the load behind every other figure.
        kbps = (self.bytes1 - self.bytes0) * 8 / 1000 / wall / len(self.baseline_dirs)
        rss = [v for v in self.rss_recorder if v is not None]
        return {
            "window_seconds": round(wall, 2),
            "samples": self.samples,
            "recorder_cpu_seconds": round(recorder_cpu, 3),
            "children_cpu_seconds": round(children_cpu, 3),
            "children_cpu_seconds_sampled": round(sampled, 3),
            "total_cpu_seconds": round(total, 3),
            "baseline_cpu_seconds": round(baseline_cpu, 3),
            "recorder_cpu_percent": round(recorder_cpu / wall * 100, 2),
            "children_cpu_percent": round(children_cpu / wall * 100, 2),
            "total_cpu_percent": round(total / wall * 100, 2),
            "baseline_cpu_percent": round(baseline_cpu / wall * 100, 2),
            "ratio_total_to_baseline": round(total / baseline_cpu, 4) if baseline_cpu > 0 else None,
            "recorder_rss_max_mib": round(max(rss), 2) if rss else None,
            "recorder_rss_mean_mib": round(statistics.mean(rss), 2) if rss else None,
            "ffmpeg_child_rss_mean_mib": _mean(self.rss_child),
            "baseline_ffmpeg_rss_mean_mib": _mean(self.rss_baseline),
            "children_seen": kinds,
            "stream_kbit_per_s_measured": round(kbps),
            "machine_busy_percent": round(busy * 100, 1),
            "context_cpu_percent": context,
        }


def dir_bytes(dirs):
    return sum(f.stat().st_size for d in dirs for f in d.glob("*.mp4"))


def _mean(values):
    values = [v for v in values if v is not None]
    return round(statistics.mean(values), 2) if values else None


def counters(status):
    """Sum of each per-camera counter across cameras."""
    total = {}
    for camera in status["cameras"]:
        for name, value in camera["counters"].items():
            total[name] = total.get(name, 0) + value
    return total


def measure(window, seconds):
    window.begin()
    deadline = window.t0 + seconds
    next_sample = window.t0
    while True:
        next_sample += SAMPLE_PERIOD
        if next_sample > deadline:
            break
        time.sleep(max(0.0, next_sample - time.monotonic()))
        window.sample()
    time.sleep(max(0.0, deadline - time.monotonic()))
    window.end()


def run_recording(args, launched, tmp, recorder_bin, endpoint, weed):
    n = args.cameras
    print(f"\n== Part 1: recording, {n} cameras, recorder and {n} baseline ffmpegs side by side", flush=True)
    _, url = start_camera_sim(launched, tmp, args.pattern)
    print(f"  camera sim: {url} ({SIM_WIDTH}x{SIM_HEIGHT}, {SIM_FPS} fps, {SIM_KBPS} kbit/s, GOP {SIM_GOP}, "
          f"pattern {args.pattern})")
    listen = f"127.0.0.1:{free_ports(1)[0]}"
    config, log = tmp / "recorder.toml", tmp / "recorder.log"
    write_recorder_config(config, url, n, endpoint, tmp / "spool", listen)
    recorder = start_recorder(launched, recorder_bin, config, log)
    baselines, dirs = start_baselines(launched, url, n, tmp / "baseline")
    started = time.monotonic()
    wait_until_recording(recorder, listen, baselines, dirs, log)
    print(f"  all recording after {time.monotonic() - started:.1f} s; warming up {WARMUP:.0f} s", flush=True)
    time.sleep(WARMUP)

    sim = next(p for name, p, _ in launched.procs if name == "camera-sim")
    window = Window(recorder.pid, [p.pid for p in baselines], dirs,
                    {"camera_sim": sim.pid, "seaweedfs": weed.pid}, launched)
    before = counters(get_status(listen))
    print(f"  measuring for {args.seconds:.0f} s ...", flush=True)
    measure(window, args.seconds)
    after = counters(get_status(listen))
    figures = window.figures()
    figures.update(
        cameras=n,
        segments_uploaded_in_window=after["segmentsUploaded"] - before["segmentsUploaded"],
        segments_uploaded_total=after["segmentsUploaded"],
        mb_uploaded_in_window=round((after["bytesUploaded"] - before["bytesUploaded"]) / 1e6, 1),
        upload_failures_in_window=after["uploadFailures"] - before["uploadFailures"],
        ffmpeg_restarts_in_window=after["ffmpegRestarts"] - before["ffmpegRestarts"],
        segments_dropped_in_window=after["segmentsDropped"] - before["segmentsDropped"],
    )
    # Stop the recorder (it flushes its spool within shutdown_grace) and the baselines together.
    stopped_in = launched.stop([e for e in launched.procs if e[0] == "recorder" or e[0].startswith("baseline-")])
    figures["recorder_exit_code"] = recorder.returncode
    figures["stop_seconds"] = round(stopped_in, 1)
    launched.stop_named("camera-sim")  # the uploads in part 2 should not share the CPU with it
    print_recording(figures)
    return figures


def print_recording(f):
    n, wall = f["cameras"], f["window_seconds"]
    print(f"\n  Recording, {n} cameras, {wall:.1f} s window ({f['samples']} samples); CPU % is of one core")
    print(f"  stream actually recorded           {f['stream_kbit_per_s_measured']} kbit/s per camera")
    print(f"  {'':34} {'CPU s':>8} {'CPU %':>8} {'per camera':>11}")
    for label, key in (("recorder process itself", "recorder"), ("recorder's ffmpeg/ffprobe children", "children"),
                       ("recorder total", "total"), (f"baseline: {n} bare ffmpeg", "baseline")):
        pct = f[f"{key}_cpu_percent"]
        print(f"  {label:34} {f[f'{key}_cpu_seconds']:8.2f} {pct:7.2f}% {pct / n:10.3f}%")
    ratio = f["ratio_total_to_baseline"]
    print(f"  ratio total/baseline               {ratio:.3f}   (goal <= 1.05)" if ratio else "  ratio: n/a")
    print(f"  recorder RSS                       max {f['recorder_rss_max_mib']:.1f} MiB, "
          f"mean {f['recorder_rss_mean_mib']:.1f} MiB   (goal max <= 30 MiB with 16 cameras)")
    print(f"  one ffmpeg child, mean RSS         {f['ffmpeg_child_rss_mean_mib']} MiB")
    print(f"  one baseline ffmpeg, mean RSS      {f['baseline_ffmpeg_rss_mean_mib']} MiB")
    print(f"  children seen in window            {f['children_seen']} "
          f"(sampled cross-check of children CPU: {f['children_cpu_seconds_sampled']:.2f} s)")
    print(f"  segments uploaded in window        {f['segments_uploaded_in_window']} "
          f"({f['mb_uploaded_in_window']} MB; total {f['segments_uploaded_total']}); "
          f"upload failures {f['upload_failures_in_window']}, "
          f"ffmpeg restarts {f['ffmpeg_restarts_in_window']}, dropped {f['segments_dropped_in_window']}")
    print(f"  machine busy during window         {f['machine_busy_percent']}% of {os.cpu_count()} CPUs; "
          f"context CPU %: {f['context_cpu_percent']}")
    print(f"  recorder stopped in {f['stop_seconds']} s, exit code {f['recorder_exit_code']}")


# ---------------------------------------------------------------------------------------------------------------
# Part 2: upload throughput
# ---------------------------------------------------------------------------------------------------------------

def make_random_file(path, megabytes):
    chunk = 1_000_000
    with open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(os.urandom(chunk))
    return megabytes * chunk


def children_cpu_seconds():
    """User + system CPU of every child this script has reaped so far (and their reaped descendants)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def upload_ours(upload_bin, endpoint, path):
    began, cpu = time.monotonic(), children_cpu_seconds()
    done = subprocess.run([str(upload_bin), endpoint, BUCKET, str(path)], capture_output=True, text=True,
                          preexec_fn=_die_with_parent)
    wall, cpu = time.monotonic() - began, children_cpu_seconds() - cpu
    if done.returncode != 0:
        raise BenchError(f"upload_file failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return wall, cpu, report


def upload_aws(endpoint, path, run, tmp):
    argv = ["aws", "--endpoint-url", endpoint, "--region", "us-east-1", "s3", "cp", "--only-show-errors",
            str(path), f"s3://{BUCKET}/aws/file-{run}"]
    began, cpu = time.monotonic(), children_cpu_seconds()
    done = subprocess.run(argv, env=aws_env(tmp), capture_output=True, text=True, preexec_fn=_die_with_parent)
    wall, cpu = time.monotonic() - began, children_cpu_seconds() - cpu
    if done.returncode != 0:
        raise BenchError(f"aws s3 cp failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return wall, cpu


def run_upload(args, tmp, upload_bin, endpoint):
    print(f"\n== Part 2: upload throughput, {args.upload_mb} MB random file, {args.upload_runs} runs each, "
          "alternating", flush=True)
    path = tmp / "upload.bin"
    size = make_random_file(path, args.upload_mb)
    ours, ours_internal, aws, ours_cpu, aws_cpu = [], [], [], [], []
    for run in range(1, args.upload_runs + 1):
        # Alternate so that slow drift (page cache, SeaweedFS volume growth, other load) hits both equally.
        wall, cpu, report = upload_ours(upload_bin, endpoint, path)
        ours.append(size / 1e6 / wall)
        ours_internal.append(report["mb_per_s"])
        ours_cpu.append(cpu)
        print(f"  run {run}: ours {ours[-1]:7.1f} MB/s wall ({wall:.2f} s, {cpu:.2f} CPU s; "
              f"its own timer {report['mb_per_s']} MB/s)", flush=True)
        wall, cpu = upload_aws(endpoint, path, run, tmp)
        aws.append(size / 1e6 / wall)
        aws_cpu.append(cpu)
        print(f"  run {run}: aws  {aws[-1]:7.1f} MB/s wall ({wall:.2f} s, {cpu:.2f} CPU s)", flush=True)
    path.unlink()
    figures = {
        "file_mb": args.upload_mb,
        "runs": args.upload_runs,
        "ours_mb_per_s": [round(v, 1) for v in ours],
        "ours_internal_mb_per_s": ours_internal,
        "aws_mb_per_s": [round(v, 1) for v in aws],
        "ours_median_mb_per_s": round(statistics.median(ours), 1),
        "ours_internal_median_mb_per_s": round(statistics.median(ours_internal), 1),
        "aws_median_mb_per_s": round(statistics.median(aws), 1),
        # Client CPU only (SeaweedFS's share is not in it): on a small machine the uploader competes with the
        # cameras' FFmpegs, so CPU per upload matters as much as speed.
        "ours_cpu_seconds_median": round(statistics.median(ours_cpu), 2),
        "aws_cpu_seconds_median": round(statistics.median(aws_cpu), 2),
    }
    figures["ratio_ours_to_aws"] = round(figures["ours_median_mb_per_s"] / figures["aws_median_mb_per_s"], 3)
    return figures


# ---------------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------------

def find_binaries():
    recorder = Path(os.environ.get("RECORDER_BIN", REPO / "target" / "release" / "camera-recorder"))
    upload = Path(os.environ.get("UPLOAD_BIN", REPO / "target" / "release" / "examples" / "upload_file"))
    missing = [str(p) for p in (recorder, upload) if not p.is_file()]
    if missing:
        sys.exit(f"bench: missing {', '.join(missing)}\nbuild them first:  {BUILD_HINT}\n"
                 "(or point RECORDER_BIN / UPLOAD_BIN at existing binaries)")
    return recorder, upload


def check_tools(args):
    needed = ["weed", "aws"] + ([] if args.skip_recording else ["ffmpeg"])
    missing = [t for t in needed if shutil.which(t) is None]
    if not args.skip_recording and not os.access(SYSTEM_PYTHON, os.X_OK):
        missing.append(SYSTEM_PYTHON)
    if missing:
        sys.exit(f"bench: not found: {', '.join(missing)}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0, help="measurement window of part 1")
    parser.add_argument("--segment-seconds", type=int, default=10,
                        help="segment length in part 1: 10 puts uploads in the window (the worst case); 900, the "
                             "default the recorder runs with, measures the steady state of recording alone")
    parser.add_argument("--pattern", default="snow",
                        help="camera test pattern; snow really reaches 2000 kbit/s, ball only ~120 kbit/s")
    parser.add_argument("--upload-mb", type=int, default=450, help="size of the upload test file, in MB (10^6)")
    parser.add_argument("--upload-runs", type=int, default=3, help="uploads per tool in part 2")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--skip-recording", action="store_true")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temp dir (logs, spool) for a look")
    return parser.parse_args()


def print_summary(results):
    print("\n================ summary ================")
    rec, up = results.get("recording"), results.get("upload")
    if rec:
        print(f"recording, {rec['cameras']} cameras, {rec['window_seconds']:.0f} s, "
              f"{rec['stream_kbit_per_s_measured']} kbit/s each:")
        print(f"  recorder itself        {rec['recorder_cpu_percent']:7.2f}% CPU")
        print(f"  its ffmpeg children    {rec['children_cpu_percent']:7.2f}% CPU")
        print(f"  total                  {rec['total_cpu_percent']:7.2f}% CPU")
        print(f"  baseline (bare ffmpeg) {rec['baseline_cpu_percent']:7.2f}% CPU")
        print(f"  ratio total/baseline   {rec['ratio_total_to_baseline']:7.3f}    goal <= 1.05")
        print(f"  recorder RSS max       {rec['recorder_rss_max_mib']:7.1f} MiB  goal <= 30 MiB "
              f"(mean {rec['recorder_rss_mean_mib']:.1f})")
        print(f"  segments uploaded      {rec['segments_uploaded_in_window']:7d}      in the window")
    if up:
        print(f"upload, {up['file_mb']} MB file, median of {up['runs']}:")
        print(f"  ours (upload_file)     {up['ours_median_mb_per_s']:7.1f} MB/s wall "
              f"({up['ours_internal_median_mb_per_s']} MB/s by its own timer)")
        print(f"  aws s3 cp              {up['aws_median_mb_per_s']:7.1f} MB/s wall")
        print(f"  client CPU per upload  ours {up['ours_cpu_seconds_median']:.2f} s, "
              f"aws {up['aws_cpu_seconds_median']:.2f} s")
        print(f"  ratio ours/aws         {up['ratio_ours_to_aws']:7.3f}    goal >= 1.0")
    print(f"figures written to {RESULTS}")


def main():
    global SEGMENT_SECONDS
    args = parse_args()
    SEGMENT_SECONDS = args.segment_seconds
    recorder_bin, upload_bin = find_binaries()
    check_tools(args)
    # SIGTERM (e.g. from a CI runner) takes the same clean-up path as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    tmp = Path(tempfile.mkdtemp(prefix="cto-bench-"))
    launched = Launched()
    results = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()},
    }
    try:
        print(f"temp dir {tmp}; starting SeaweedFS ...", flush=True)
        weed, endpoint = start_seaweedfs(launched, tmp)
        print(f"  SeaweedFS S3 at {endpoint}, bucket {BUCKET}", flush=True)
        if not args.skip_recording:
            results["recording"] = run_recording(args, launched, tmp, recorder_bin, endpoint, weed)
        if not args.skip_upload:
            results["upload"] = run_upload(args, tmp, upload_bin, endpoint)
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print_summary(results)
    except BenchError as e:
        print(f"\nbench: {e}", file=sys.stderr)
        args.keep_temp = True  # its logs explain the failure
        return 1
    except KeyboardInterrupt:
        print("\nbench: interrupted, cleaning up", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C or SIGTERM must not cut the clean-up short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        launched.stop_all()
        if args.keep_temp:
            print(f"temp dir kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
