// A FakeTimeProvider at a fixed, readable start, shared by the policy tests.
using Microsoft.Extensions.Time.Testing;

namespace Herald.Policy.Tests;

internal static class TestClock
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider New() => new(Start);
}
