// Replays every transcript whole, one line at a time and one byte at a time (MailKit's way of testing).
using System.Text.RegularExpressions;
using Herald.Protocol.Replies;
using Herald.TestSupport.Files;
using Herald.TestSupport.Smtp;

namespace Herald.Server.Tests.Transcripts;

public sealed class TranscriptTests
{
    public enum Delivery
    {
        Whole,
        LineByLine,
        ByteByByte,
    }

    public static TheoryData<string, Delivery> Cases()
    {
        var data = new TheoryData<string, Delivery>();
        foreach (string file in Directory.GetFiles(RepositoryPaths.Combine("tests", "transcripts"), "*.txt").Order(StringComparer.Ordinal))
        {
            foreach (Delivery delivery in Enum.GetValues<Delivery>())
            {
                data.Add(Path.GetFileName(file), delivery);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Transcript_Replays(string file, Delivery delivery)
    {
        Transcript transcript = Transcript.Load(RepositoryPaths.Combine("tests", "transcripts", file));
        await using TestServer server = await TestServer.StartAsync(transcript.Settings);
        await using SmtpTestClient client = await SmtpTestClient.ConnectAsync(server.Endpoint);

        if (delivery == Delivery.Whole)
        {
            byte[] all = [.. transcript.Steps.OfType<TranscriptStep.Send>().SelectMany(s => s.Bytes)];
            await client.SendAsync(all);
        }

        int index = 0;
        foreach (TranscriptStep step in transcript.Steps)
        {
            index++;
            switch (step)
            {
                case TranscriptStep.Send send when delivery == Delivery.LineByLine:
                    await client.SendAsync(send.Bytes);
                    break;
                case TranscriptStep.Send send when delivery == Delivery.ByteByByte:
                    foreach (byte b in send.Bytes)
                    {
                        await client.SendAsync(new[] { b });
                    }

                    break;
                case TranscriptStep.Expect expect:
                    SmtpReply reply = await client.ReadReplyAsync();
                    Assert.True(Matches(expect, reply), $"{file} step {index}: expected {expect}, got {reply}");
                    break;
                case TranscriptStep.Closed:
                    Assert.True(await client.WaitForCloseAsync(), $"{file} step {index}: the server did not close");
                    break;
            }
        }
    }

    private static bool Matches(TranscriptStep.Expect expect, SmtpReply reply)
    {
        if (reply.Code.Value != expect.Code || (expect.Enhanced is not null && reply.Enhanced?.ToString() != expect.Enhanced))
        {
            return false;
        }

        if (expect.TextPattern is null)
        {
            return true;
        }

        string regex = "^" + Regex.Escape(expect.TextPattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(reply.Text, regex);
    }
}
