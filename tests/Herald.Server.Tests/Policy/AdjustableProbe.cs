using Herald.Policy.Resources;

namespace Herald.Server.Tests.Policy;

/// <summary>Free disk and memory that a test sets, to put the server under resource pressure on demand.</summary>
internal sealed class AdjustableProbe : IResourceProbe
{
    public long FreeDisk { get; set; }

    public long Memory { get; set; }

    public long? FreeDiskBytes() => FreeDisk;

    public long MemoryBytes() => Memory;
}
