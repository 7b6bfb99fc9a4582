// Runs the benchmarks BenchmarkDotNet's command line picks: --filter '*' for all, --job short for a quick look.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
