#!/usr/bin/env bash
# The burst check: N connections at once on a server that has only just started, Herald and Postfix in
# turn inside a loopback-only network namespace. Every connection must get a greeting or 421 4.3.2
# within the deadline: none may be dropped by the kernel unanswered. Needs root. See bench/README.md.
set -euo pipefail
export LC_ALL=C DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

connections=2000 deadline=5 peers="herald postfix" build=1
while (($#)); do
  case $1 in
    -n | --connections) connections=$2 && shift ;;
    -t | --deadline) deadline=$2 && shift ;;
    -p | --peers) peers=${2//,/ } && shift ;;
    --no-build) build=0 ;;
    -h | --help) echo "Usage: bench/burst.sh [-n CONNECTIONS (2000)] [-t SECONDS (5)] [-p herald,postfix] [--no-build]" && exit 0 ;;
    *) echo "Usage: bench/burst.sh [-n CONNECTIONS] [-t SECONDS] [-p PEERS] [--no-build]" >&2 && exit 64 ;;
  esac
  shift
done
[[ $connections =~ ^[1-9][0-9]*$ ]] || { echo "burst: '$connections' is not a positive number" >&2 && exit 64; }
[ "$(id -u)" = 0 ] || { echo "burst: run as root: it needs unshare --net and starts a private Postfix" >&2 && exit 77; }

bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
export HERALD_DLL=$repo/src/Herald.Cli/bin/Release/net10.0/herald.dll
((build == 0)) || dotnet build "$repo/src/Herald.Cli" -c Release -nologo -v quiet >&2
[ -f "$HERALD_DLL" ] || { echo "burst: $HERALD_DLL is missing: run without --no-build" >&2 && exit 69; }

work=$(mktemp -d /tmp/herald-burst.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
export BENCH_LIB=$bench/lib BENCH_WORK=$work BURST_CONNECTIONS=$connections BURST_DEADLINE=$deadline BURST_PEERS=$peers
# Both servers at their default total of 100 sessions and no limit per address: all but 100 must be refused.
export BENCH_CONNECTION_LIMIT=100 BENCH_CONNECTION_LIMIT_PER_IP=0

printf 'peer\tconnections\t220\t421 4.3.2\tother\tno reply\tlast answer (s)\n'
unshare --net -- bash -c '
  set -euo pipefail
  . "$BENCH_LIB/peers.sh"
  ip link set lo up
  port=2600
  for peer in $BURST_PEERS; do
    port=$((port + 1)) dir=$BENCH_WORK/$peer
    mkdir -p "$dir" && chmod 755 "$dir"
    "peer_start_${peer//-/_}" "$dir" "$port"
    wait_for_greeting "$port" "$PEER_PID" || { echo "burst: $peer did not start" >&2; exit 1; }
    # At once after the first greeting: the server is as fresh as a restarted one.
    /usr/bin/python3 "$BENCH_LIB/burst.py" "$peer" "$port" "$BURST_CONNECTIONS" "$BURST_DEADLINE"
    "peer_stop_${peer//-/_}" "$dir"
  done
'
