#!/usr/bin/env bash
# Herald side by side with Postfix, smtp-sink and aiosmtpd in one run, inside a loopback-only network
# namespace, driven by Postfix's smtp-source; prints throughput as ratios to Postfix and keeps the
# results in bench/results/. Needs root (unshare --net, a private Postfix). See bench/README.md.
set -euo pipefail
export LC_ALL=C DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]

  -m, --messages N          messages in the small scenario (default 2000)
  -l, --size OCTETS         body size in the small and serial scenarios (default 1024)
  -s, --sessions N          concurrent sessions in the small and large scenarios (default 20)
  -M, --large-messages N    messages in the large scenario (default 200)
  -L, --large-size OCTETS   body size in the large scenario (default 102400)
  -q, --serial-messages N   messages in the serial scenario (default 300)
  -w, --warmup N            untimed messages sent to each peer first (default 100)
  -r, --repeat N            runs of each scenario and peer; the table shows the median (default 1)
  -p, --peers LIST          comma-separated, from herald,postfix,smtp-sink,aiosmtpd (default all)
  -S, --scenarios LIST      comma-separated, from small,large,serial (default all)
      --no-build            use the Herald already built in Release
      --keep                keep the work directory (peer logs, Maildirs) and say where it is
  -h, --help                this text
EOF
}

BENCH_MESSAGES=2000 BENCH_SIZE=1024 BENCH_SESSIONS=20
BENCH_LARGE_MESSAGES=200 BENCH_LARGE_SIZE=102400 BENCH_SERIAL_MESSAGES=300
BENCH_WARMUP=100 BENCH_REPEAT=1
peers=herald,postfix,smtp-sink,aiosmtpd scenarios=small,large,serial build=1 keep=0

while (($#)); do
  case $1 in
    -m | --messages) BENCH_MESSAGES=$2 && shift ;;
    -l | --size) BENCH_SIZE=$2 && shift ;;
    -s | --sessions) BENCH_SESSIONS=$2 && shift ;;
    -M | --large-messages) BENCH_LARGE_MESSAGES=$2 && shift ;;
    -L | --large-size) BENCH_LARGE_SIZE=$2 && shift ;;
    -q | --serial-messages) BENCH_SERIAL_MESSAGES=$2 && shift ;;
    -w | --warmup) BENCH_WARMUP=$2 && shift ;;
    -r | --repeat) BENCH_REPEAT=$2 && shift ;;
    -p | --peers) peers=$2 && shift ;;
    -S | --scenarios) scenarios=$2 && shift ;;
    --no-build) build=0 ;;
    --keep) keep=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 64 ;;
  esac
  shift
done

for number in "$BENCH_MESSAGES" "$BENCH_SIZE" "$BENCH_SESSIONS" "$BENCH_LARGE_MESSAGES" "$BENCH_LARGE_SIZE" \
  "$BENCH_SERIAL_MESSAGES" "$BENCH_REPEAT"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || { echo "bench: '$number' is not a positive number" >&2 && exit 64; }
done
[[ $BENCH_WARMUP =~ ^[0-9]+$ ]] || { echo "bench: warm-up '$BENCH_WARMUP' is not a number" >&2 && exit 64; }
for peer in ${peers//,/ }; do
  case $peer in herald | postfix | smtp-sink | aiosmtpd) ;; *) echo "bench: unknown peer '$peer'" >&2 && exit 64 ;; esac
done

if [ "$(id -u)" != 0 ]; then
  echo "bench: run as root: it needs unshare --net and starts a private Postfix" >&2
  exit 77
fi
for tool in unshare ip smtp-source smtp-sink postfix dotnet; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is missing (see bench/README.md)" >&2 && exit 69; }
done
if [[ ,$peers, == *,aiosmtpd,* ]] && ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "bench: aiosmtpd is missing: apt-get install python3-aiosmtpd, or leave it out with --peers" >&2
  exit 69
fi

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
export HERALD_DLL=$repo/src/Herald.Cli/bin/Release/net10.0/herald.dll
if ((build)); then
  dotnet build "$repo/src/Herald.Cli" -c Release -nologo -v quiet >&2
fi
[ -f "$HERALD_DLL" ] || { echo "bench: $HERALD_DLL is missing: run without --no-build" >&2 && exit 69; }

work=$(mktemp -d /tmp/herald-bench.XXXXXX)
cleanup() {
  if ((keep)); then
    echo "bench: work directory kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
# mktemp makes it 0700; Postfix's daemons and smtp-sink run unprivileged and must reach their files.
chmod 755 "$work"

# Peers need room for every session at once (Herald and Postfix both default to 50 per client).
BENCH_CONNECTION_LIMIT=$((BENCH_SESSIONS + 10 > 100 ? BENCH_SESSIONS + 10 : 100))
export BENCH_MESSAGES BENCH_SIZE BENCH_SESSIONS BENCH_LARGE_MESSAGES BENCH_LARGE_SIZE BENCH_SERIAL_MESSAGES
export BENCH_WARMUP BENCH_REPEAT BENCH_CONNECTION_LIMIT
export BENCH_PEERS=${peers//,/ } BENCH_SCENARIOS=${scenarios//,/ } BENCH_WORK=$work BENCH_TSV=$work/results.tsv
export BENCH_KEEP=$keep

stamp=$(date -u +%Y%m%dT%H%M%SZ)
: >"$BENCH_TSV"
# In the background and waited for, so that Ctrl-C or a TERM reaches the trap at once rather than after
# the whole run: netns-run.sh stops its sender and its peer on TERM.
unshare --net -- "$bench/lib/netns-run.sh" &
measuring=$!
trap 'kill -TERM "$measuring" 2>/dev/null || true; wait "$measuring" || true; exit 130' INT TERM
wait "$measuring"
trap - INT TERM
/usr/bin/python3 "$bench/lib/report.py" "$BENCH_TSV" "$bench/results" "$stamp"
