#!/usr/bin/env bash
# A long run of the parser and DATA decoder properties (tests/Herald.Protocol.Tests/Fuzzing): the same
# seeded generators as CI, a thousand times more inputs. Usage: bench/fuzz-long.sh [iterations] [seed-offset]
set -euo pipefail
cd "$(dirname "$0")/.."
export HERALD_FUZZ_ITERATIONS="${1:-3000000}"
dotnet test tests/Herald.Protocol.Tests -c Release --filter "FullyQualifiedName~Fuzzing" --logger "console;verbosity=normal"
