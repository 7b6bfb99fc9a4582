#!/usr/bin/env bash
# Restores, builds and runs every test project, then prints one line: "Tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The integration tests drive real SMTP clients (swaks, python3) and the outbound delivery tests send
# to real SMTP servers (Postfix's smtp-sink, Python's aiosmtpd); the cluster tests start real Redis servers
# (redis-server); ss (iproute2) shows a listener's backlog. Install the missing ones on Debian when we can.
missing=()
for tool in swaks python3 openssl redis-server; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/bin/$tool" ] || missing+=("$tool")
done
[ -x /usr/sbin/smtp-sink ] || missing+=(postfix)
command -v ss >/dev/null 2>&1 || [ -x /usr/bin/ss ] || missing+=(iproute2)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Postfix unconfigured: no questions, and no mail server of its own started.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # No packaged service (redis-server's) is started by the install: the tests start their own servers.
    made_policy=no
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=yes
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    installed=$?
    if [ "$made_policy" = yes ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$installed" -eq 0 ] || exit 1
  else
    echo "test.sh: please install: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

dotnet restore Herald.slnx || exit 1
dotnet build Herald.slnx -c Release --no-restore || exit 1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet test Herald.slnx -c Release --no-build --logger trx --results-directory "$results" "$@"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed leaves no counters; never report such a run as clean.
  failed=1
fi
echo "Tests: $passed passed, $failed failed"
exit "$status"
