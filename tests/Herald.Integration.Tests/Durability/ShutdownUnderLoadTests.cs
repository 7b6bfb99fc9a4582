using Herald.Protocol.Replies;
using Herald.TestSupport.Smtp;

namespace Herald.Integration.Tests.Durability;

public sealed class ShutdownUnderLoadTests
{
    [Fact]
    public async Task SigtermUnderLoad_LosesNoAcknowledgedMessage()
    {
        await using HeraldProcess herald = HeraldProcess.Create();
        await herald.StartAsync();

        // Eight clients send as fast as they can; the server is told to stop while they do.
        using var stop = new CancellationTokenSource();
        Task<List<string>>[] senders = [.. Enumerable.Range(0, 8).Select(n => SendUntilRefusedAsync(herald, n, stop.Token))];
        await Task.Delay(1500);
        Task<int> exit = herald.TerminateAsync();
        List<string> acknowledged = [.. (await Task.WhenAll(senders)).SelectMany(s => s)];
        Assert.Equal(0, await exit);
        Assert.NotEmpty(acknowledged);

        // Whatever got a 250 is delivered, now or after the restart. Counting files is not enough: a message
        // delivered just before the stop may be delivered again after it (at least once), so wait for the subjects.
        await herald.StartAsync();
        HashSet<string> delivered = [];
        DateTime giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!delivered.IsSupersetOf(acknowledged) && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(100);
            delivered = await SubjectsAsync(herald.Delivered("localhost", "load"));
        }

        Assert.Subset(delivered, acknowledged.ToHashSet());
    }

    private static async Task<HashSet<string>> SubjectsAsync(string[] files)
    {
        var subjects = new HashSet<string>();
        foreach (string file in files)
        {
            string text = await File.ReadAllTextAsync(file);
            int start = text.IndexOf("Subject: ", StringComparison.Ordinal) + "Subject: ".Length;
            subjects.Add(text[start..text.IndexOf('\r', start)]);
        }

        return subjects;
    }

    private static async Task<List<string>> SendUntilRefusedAsync(HeraldProcess herald, int sender, CancellationToken cancellationToken)
    {
        var acknowledged = new List<string>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using SmtpTestClient client = await SmtpTestClient.ConnectAsync(herald.Endpoint);
                if ((await client.ReadReplyAsync()).Code.Value != 220)
                {
                    return acknowledged;
                }

                await client.CommandAsync("EHLO load.example");
                for (int i = 0; i < 20; i++)
                {
                    string subject = $"sender {sender} message {acknowledged.Count}";
                    if ((await client.CommandAsync("MAIL FROM:<load@example.org>")).Code.Value != 250)
                    {
                        return acknowledged;
                    }

                    await client.CommandAsync("RCPT TO:<load@localhost>");
                    if ((await client.CommandAsync("DATA")).Code.Value != 354)
                    {
                        return acknowledged;
                    }

                    SmtpReply reply = await client.CommandAsync($"Subject: {subject}\r\n\r\nload\r\n.");
                    if (reply.Code.Value != 250)
                    {
                        return acknowledged;
                    }

                    acknowledged.Add(subject);
                }
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            // The server went away between replies: what was acknowledged so far is what counts.
        }

        return acknowledged;
    }
}
