#!/usr/bin/env bash
# The main job, on one machine: a simulated camera recorded into a local SeaweedFS, and the playback UI to
# watch it.
#
#   scripts/demo.sh                 # records for 60 s while the UI serves, then stops cleanly and lists what landed
#   DEMO_SECONDS=0 scripts/demo.sh  # records and serves until Ctrl-C
#
# Installs what it needs (FFmpeg, GStreamer, SeaweedFS, aws CLI, the UI's npm packages) and builds the
# recorder and camera-playback. Everything it starts listens on free loopback ports and lives under .demo/,
# which it removes at the start of each run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh

seconds="${DEMO_SECONDS:-60}"
demo="$PWD/.demo"
bucket=camera-recordings
camera=demo-cam
rm -rf "$demo" && mkdir -p "$demo"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "== building camera-recorder and camera-playback"
scripts/build-ui.sh
cargo build --quiet --locked -p recorder --bin camera-recorder -p playback --bin camera-playback
recorder="$PWD/target/debug/camera-recorder"
playback="$PWD/target/debug/camera-playback"

echo "== starting SeaweedFS (S3) on loopback"
ports=(); for _ in 1 2 3 4 5 6 7 8; do ports+=("$(free_port)"); done
mkdir -p "$demo/seaweedfs"
weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -s3 -volume.max=0 \
  -master.volumeSizeLimitMB=256 -dir="$demo/seaweedfs" \
  -s3.port="${ports[0]}" -master.port="${ports[1]}" -volume.port="${ports[2]}" -filer.port="${ports[3]}" \
  -s3.port.grpc="${ports[4]}" -master.port.grpc="${ports[5]}" -volume.port.grpc="${ports[6]}" \
  -filer.port.grpc="${ports[7]}" -s3.port.iceberg=0 -s3.port.lance=0 >"$demo/seaweedfs.log" 2>&1 &
pids+=($!)
endpoint="http://127.0.0.1:${ports[0]}"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
s3() { aws --endpoint-url "$endpoint" "$@"; }
for _ in $(seq 120); do curl -fs -o /dev/null "$endpoint/" 2>/dev/null && break; sleep 0.5; done
curl -fs -o /dev/null "$endpoint/" || { echo "SeaweedFS did not start; see $demo/seaweedfs.log"; exit 1; }
s3 s3api create-bucket --bucket "$bucket" >/dev/null

echo "== starting the simulated camera (GStreamer RTSP server, H.264 720p15 with a burned-in clock)"
/usr/bin/python3 tools/camera-sim.py --port 0 >"$demo/camera.out" 2>"$demo/camera.log" &
pids+=($!)
for _ in $(seq 100); do grep -q READY "$demo/camera.out" 2>/dev/null && break; sleep 0.2; done
camera_url="$(awk '/^READY/ {print $2}' "$demo/camera.out")"
[ -n "$camera_url" ] || { echo "the camera simulator did not start; see $demo/camera.log"; exit 1; }

http_port="$(free_port)"
echo "== recording $camera_url into s3://$bucket at $endpoint (10 s segments)"
CAMERA_1_URL="$camera_url" CAMERA_1_ID="$camera" S3_ENDPOINT="$endpoint" S3_BUCKET="$bucket" \
  SEGMENT_DURATION=10s TEMP_DIR="$demo/spool" LISTEN_ADDR="127.0.0.1:$http_port" SHUTDOWN_GRACE=20s \
  "$recorder" 2>"$demo/recorder.log" &
recorder_pid=$!
pids+=("$recorder_pid")
echo "   status:  curl -s http://127.0.0.1:$http_port/status"
echo "   metrics: curl -s http://127.0.0.1:$http_port/metrics"
echo "   logs:    $demo/recorder.log"

# A fresh viewer token for each run, never written anywhere but this terminal and the process environment.
token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
playback_port="$(free_port)"
echo "== serving the playback UI (camera-playback, reading the same bucket)"
PLAYBACK_TOKEN="$token" S3_ENDPOINT="$endpoint" S3_BUCKET="$bucket" LISTEN_ADDR="127.0.0.1:$playback_port"   "$playback" 2>"$demo/playback.log" &
pids+=($!)
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$playback_port/health" 2>/dev/null && break; sleep 0.2; done
echo
echo "   open:    http://127.0.0.1:$playback_port/#camera=$camera"
echo "   token:   $token"
echo "   (the first segment lands about 10 s after recording starts; the page shows it as soon as it has)"
echo "   logs:    $demo/playback.log"
echo

# One prefix per camera covers every day, even a demo that runs across midnight UTC.
prefix="$camera/"
shown=""
list_new() {
  local keys
  keys="$(s3 s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix" --query 'Contents[].[Key,Size]' --output text 2>/dev/null || true)"
  while read -r key size; do
    [ -n "$key" ] && [ "$key" != "None" ] || continue
    case " $shown " in *" $key "*) continue ;; esac
    shown="$shown $key"
    echo "   landed: s3://$bucket/$key ($size bytes)"
  done <<<"$keys"
}

started=$SECONDS
while kill -0 "$recorder_pid" 2>/dev/null; do
  list_new
  if [ "$seconds" -gt 0 ] && [ $((SECONDS - started)) -ge "$seconds" ]; then break; fi
  sleep 5
done

echo "== stopping the recorder (SIGTERM: it closes the segment and uploads what is left)"
kill -TERM "$recorder_pid" 2>/dev/null || true
wait "$recorder_pid" || { echo "the recorder failed; see $demo/recorder.log"; exit 1; }
list_new
echo
echo "Segments land under s3://$bucket/<camera>/<YYYY>/<MM>/<DD>/<camera>_<YYYYMMDDTHHMMSSZ>.mp4:"
s3 s3 ls --recursive "s3://$bucket/$camera/"
first="$(s3 s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix" --query 'Contents[0].Key' --output text)"
if [ -n "$first" ] && [ "$first" != "None" ]; then
  echo
  echo "Metadata of $first:"
  s3 s3api head-object --bucket "$bucket" --key "$first" --query Metadata --output json
  s3 s3 cp --only-show-errors "s3://$bucket/$first" "$demo/first.mp4"
  echo "Downloaded to $demo/first.mp4; ffprobe says:"
  ffprobe -v error -show_entries stream=codec_name,width,height,avg_frame_rate:format=duration -of compact "$demo/first.mp4"
fi

echo
echo "What camera-playback serves of it (GET /api/v1/cameras/$camera/timeline, the UI's source):"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
since="$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
curl -fsS -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$playback_port/api/v1/cameras/$camera/timeline?start=$since&end=$now"
echo
