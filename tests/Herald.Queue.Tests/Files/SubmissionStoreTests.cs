// FileQueueStore.OpenForSubmission: the store `herald sendmail` writes through while no server runs.
using Herald.Queue.Files;

namespace Herald.Queue.Tests.Files;

public sealed class SubmissionStoreTests : IDisposable
{
    private readonly QueueFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task MakesTheFolders_AndCommitsAMessageTheServerReadsBack()
    {
        byte[] content = Samples.Content("Subject: from cron\r\n\r\nbody\r\n");
        QueueId id;
        using (FileQueueStore submitter = FileQueueStore.OpenForSubmission(new QueueStoreOptions(_fixture.Root), _fixture.Time, _fixture.Logger))
        {
            id = await Samples.CommitAsync(submitter, Samples.Simple(), content);
        }

        using FileQueueStore server = await _fixture.OpenAsync();
        Assert.Equal([id], await server.ListAsync(CancellationToken.None));
        Assert.Equal(content, await Samples.ReadContentAsync(server, id));
    }

    [Fact]
    public async Task LeavesAnotherSubmittersUnfinishedFileAlone()
    {
        Directory.CreateDirectory(_fixture.Tmp);
        string unfinished = Path.Combine(_fixture.Tmp, "01M8N9CYYRJ49WN8");
        await File.WriteAllTextAsync(unfinished, "being written by another sendmail");

        using FileQueueStore submitter = FileQueueStore.OpenForSubmission(new QueueStoreOptions(_fixture.Root), _fixture.Time, _fixture.Logger);
        await Samples.CommitAsync(submitter, Samples.Simple(), Samples.Content("Subject: x\r\n\r\n"));

        Assert.True(File.Exists(unfinished));
    }
}
