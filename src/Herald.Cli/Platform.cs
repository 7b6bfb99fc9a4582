// Herald runs where mail servers run: Unix sockets, file modes and signals are Linux/macOS facilities.
using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]
