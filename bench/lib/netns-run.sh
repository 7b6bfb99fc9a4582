#!/usr/bin/env bash
# The measuring half of bench/run.sh, run by it inside `unshare --net`: a network namespace whose only
# interface is loopback, so no peer can reach another address or the machine's DNS resolver.
# For each scenario, repeat and peer: start the peer in a fresh directory, warm it up, time Postfix's
# smtp-source against it, wait until every message is in the peer's Maildir, stop it, write a TSV row.
# Its settings come from the environment run.sh exports (BENCH_*, HERALD_DLL).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk must agree on the decimal point.

BENCH_LIB=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=peers.sh
. "$BENCH_LIB/peers.sh"

: "${BENCH_WORK:?}" "${BENCH_TSV:?}" "${BENCH_PEERS:?}" "${BENCH_SCENARIOS:?}"
: "${BENCH_REPEAT:=1}" "${BENCH_WARMUP:=100}" "${BENCH_DELIVERY_TIMEOUT:=300}" "${BENCH_SOURCE_TIMEOUT:=900}"

current_peer=
current_dir=
sender=
stop_current_peer() {
  if [ -n "$current_peer" ]; then
    "peer_stop_${current_peer//-/_}" "$current_dir" || true
    current_peer=
  fi
}
stop_everything() {
  [ -z "$sender" ] || kill -TERM "$sender" 2>/dev/null || true
  stop_current_peer
}
trap stop_everything EXIT
# run.sh sends TERM to stop a run early (its Ctrl-C); the EXIT trap then stops the sender and the peer.
trap 'exit 143' TERM INT

ip link set lo up

# scenario NAME: sets sessions, messages, size and reuse (smtp-source -d: several messages per connection).
scenario() {
  case $1 in
    small) sessions=$BENCH_SESSIONS messages=$BENCH_MESSAGES size=$BENCH_SIZE reuse= ;;
    large) sessions=$BENCH_SESSIONS messages=$BENCH_LARGE_MESSAGES size=$BENCH_LARGE_SIZE reuse=-d ;;
    serial) sessions=1 messages=$BENCH_SERIAL_MESSAGES size=$BENCH_SIZE reuse=-d ;;
    *)
      echo "bench: unknown scenario '$1' (small, large, serial)" >&2
      exit 64
      ;;
  esac
}

count_files() {
  find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l
}

seconds_between() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}

# send PORT SESSIONS MESSAGES: Postfix's smtp-source, bounded in time; without -A it fails on any reply
# other than the expected 2xx/3xx, so a zero exit means every message got its 250. It runs in the
# background and is waited for because bash runs a trap only after a foreground child has exited.
send() {
  local port=$1 n_sessions=$2 n_messages=$3 status=0
  # shellcheck disable=SC2086 # $reuse is empty or one flag.
  timeout "$BENCH_SOURCE_TIMEOUT" smtp-source $reuse -s "$n_sessions" -m "$n_messages" -l "$size" \
    -M client.bench.test -f from@bench.test -t user@localhost "127.0.0.1:$port" &
  sender=$!
  wait "$sender" || status=$?
  sender=
  return "$status"
}

# await_delivery MAILDIR COUNT: until MAILDIR holds COUNT files (polled every 20 ms, bounded); 1 on timeout.
await_delivery() {
  local maildir=$1 want=$2 deadline
  deadline=$((SECONDS + BENCH_DELIVERY_TIMEOUT))
  while [ "$(count_files "$maildir")" -lt "$want" ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

# measure SCENARIO REPEAT PEER PORT: one row of the TSV.
measure() {
  local name=$1 rep=$2 peer=$3 port=$4 fn=${3//-/_}
  local dir="$BENCH_WORK/$name-$rep-$peer" maildir status=ok accept='' deliver='' baseline=0 t0 t1 t2 got short
  mkdir -p "$dir"
  # Peers that drop privileges (Postfix's daemons, smtp-sink) must be able to reach their files.
  chmod 755 "$dir"
  current_dir=$dir
  current_peer=$peer
  PEER_PID=
  maildir=$("peer_maildir_$fn" "$dir")

  if ! "peer_start_$fn" "$dir" "$port"; then
    status="did not start"
  elif ! wait_for_greeting "$port" "$PEER_PID"; then
    status="no greeting"
  elif ((BENCH_WARMUP > 0)) && ! send "$port" "$((sessions < BENCH_WARMUP ? sessions : BENCH_WARMUP))" "$BENCH_WARMUP" >/dev/null; then
    status="warm-up refused"
  elif [ -n "$maildir" ] && ! await_delivery "$maildir" "$BENCH_WARMUP"; then
    status="warm-up not delivered"
  else
    # The warm-up ran the JIT, the page cache and the peers' process pools; only what follows is timed.
    [ -z "$maildir" ] || baseline=$(count_files "$maildir")
    t0=$EPOCHREALTIME
    if send "$port" "$sessions" "$messages" >/dev/null; then
      t1=$EPOCHREALTIME
      accept=$(seconds_between "$t0" "$t1")
      if [ -n "$maildir" ]; then
        if await_delivery "$maildir" "$((baseline + messages))"; then
          t2=$EPOCHREALTIME
          deliver=$(seconds_between "$t0" "$t2")
          # A benchmark that does not check delivery can lie: exactly N new files, none short. smtp-source
          # sends lines of 80 octets with CRLF, which Postfix stores as LF: a whole body is at least 39/40 of it.
          got=$(($(count_files "$maildir") - baseline))
          short=$(find "$maildir" -maxdepth 1 -type f -size "-$((size - size / 40))c" | wc -l)
          if [ "$got" -ne "$messages" ]; then
            status="delivered $got of $messages"
          elif [ "$short" -ne 0 ]; then
            status="$short files shorter than the body sent"
          fi
        else
          status="delivered $(($(count_files "$maildir") - baseline)) of $messages in ${BENCH_DELIVERY_TIMEOUT}s"
        fi
      fi
    else
      status="smtp-source failed"
    fi
  fi

  stop_current_peer
  if [ "$status" != ok ]; then
    echo "bench: $name/$peer: $status; last lines of its log:" >&2
    find "$dir" -maxdepth 1 -name '*log' -type f -exec tail -n 20 {} + >&2 || true
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rep" "$peer" "$sessions" "$messages" "$size" \
    "${reuse:+yes}" "$accept" "$deliver" "$status" >>"$BENCH_TSV"
  printf 'bench: %-6s %-9s run %s: accepted in %ss, delivered in %ss: %s\n' "$name" "$peer" "$rep" \
    "${accept:--}" "${deliver:--}" "$status" >&2
  # Each run starts on an empty disk: the next peer must not pay for this one's files.
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$dir"
  sync
}

port=2525
for name in $BENCH_SCENARIOS; do
  scenario "$name"
  for ((rep = 1; rep <= BENCH_REPEAT; rep++)); do
    for peer in $BENCH_PEERS; do
      port=$((port + 1))
      measure "$name" "$rep" "$peer" "$port"
    done
  done
done
