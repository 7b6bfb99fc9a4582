// The recipient journal: encoding, torn and damaged tails, and replay into recipient states.
using Herald.Queue.Files;

namespace Herald.Queue.Tests.Files;

public sealed class RecipientJournalTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly RecipientOutcome[] Outcomes =
    [
        new(0, RecipientState.Deferred, T0, T0.AddMinutes(5), "451 4.7.1 <b@example.org>: Recipient address rejected: Greylisted", "mx.example.org[192.0.2.1]"),
        new(1, RecipientState.Bounced, T0, null, "550 5.1.1 User unknown\r\n(second line: ünïcödé)", null),
        new(0, RecipientState.Delivered, T0.AddMinutes(6), null, null, "local"),
    ];

    [Fact]
    public void Outcomes_RoundTrip()
    {
        byte[] journal = RecipientJournal.Encode(Outcomes);

        List<RecipientOutcome> read = RecipientJournal.Read(journal, out int valid);

        Assert.Equal(Outcomes, read);
        Assert.Equal(journal.Length, valid);
    }

    [Fact]
    public void EveryPrefix_ReadsOnlyTheWholeRecords()
    {
        byte[][] records = Outcomes.Select(o => RecipientJournal.Encode([o])).ToArray();
        byte[] journal = records.SelectMany(r => r).ToArray();
        for (int length = 0; length <= journal.Length; length++)
        {
            List<RecipientOutcome> read = RecipientJournal.Read(journal.AsSpan(0, length), out int valid);
            int whole = 0;
            int end = 0;
            while (whole < records.Length && end + records[whole].Length <= length)
            {
                end += records[whole].Length;
                whole++;
            }

            Assert.Equal(Outcomes.Take(whole), read);
            Assert.Equal(end, valid);
        }
    }

    [Fact]
    public void DamagedLastRecord_IsDropped()
    {
        byte[] journal = RecipientJournal.Encode(Outcomes);
        journal[^6] ^= 0xFF;

        List<RecipientOutcome> read = RecipientJournal.Read(journal, out int valid);

        Assert.Equal(Outcomes.Take(2), read);
        Assert.Equal(RecipientJournal.Encode(Outcomes.Take(2).ToList()).Length, valid);
    }

    [Fact]
    public void Replay_CountsAttempts_AndTakesTheNewest()
    {
        IReadOnlyList<RecipientStatus> statuses = RecipientJournal.Replay(3, [.. Outcomes, new RecipientOutcome(7, RecipientState.Delivered, T0, null, null, null)]);

        Assert.Equal(new RecipientStatus(0, RecipientState.Delivered, 2, T0.AddMinutes(6), null, null), statuses[0]);
        Assert.Equal(new RecipientStatus(1, RecipientState.Bounced, 1, T0, null, Outcomes[1].Reply), statuses[1]);
        Assert.Equal(new RecipientStatus(2, RecipientState.Pending, 0, null, null, null), statuses[2]);
    }

    [Fact]
    public void Replay_PendingOutcome_ResetsStateWithoutCountingAnAttempt()
    {
        IReadOnlyList<RecipientStatus> statuses = RecipientJournal.Replay(1,
        [
            Outcomes[0],
            new RecipientOutcome(0, RecipientState.Pending, T0.AddMinutes(1), null, "requeued by the operator", null),
        ]);

        Assert.Equal(RecipientState.Pending, statuses[0].State);
        Assert.Equal(1, statuses[0].Attempts);
        Assert.Equal(T0, statuses[0].LastAttempt);
        Assert.Null(statuses[0].NextAttempt);
    }

    [Fact]
    public void DelayReportedFlag_RoundTrips_AndStaysSetThroughLaterOutcomes()
    {
        RecipientOutcome warned = new(0, RecipientState.Deferred, T0, T0.AddMinutes(10), "451 4.7.1 try later", "mx.example.org[192.0.2.1]") { DelayReported = true };
        RecipientOutcome later = new(0, RecipientState.Deferred, T0.AddMinutes(10), T0.AddMinutes(30), "451 4.7.1 still later", "mx.example.org[192.0.2.1]");
        byte[] journal = RecipientJournal.Encode([Outcomes[0], warned, later]);

        List<RecipientOutcome> read = RecipientJournal.Read(journal, out int valid);
        IReadOnlyList<RecipientStatus> statuses = RecipientJournal.Replay(2, read);

        Assert.Equal(journal.Length, valid);
        Assert.Equal([false, true, false], read.Select(o => o.DelayReported));
        Assert.True(statuses[0].DelayReported);
        Assert.Equal(3, statuses[0].Attempts);
        Assert.False(statuses[1].DelayReported);
    }

    [Fact]
    public void UnknownFlag_MakesTheRecordDamaged()
    {
        byte[] journal = RecipientJournal.Encode([Outcomes[0]]);

        // Payload offset 5 is the flags octet, after the mark (1) and length (4) and the index (4) and state (1).
        journal[1 + 4 + 5] |= 0x80;

        Assert.Empty(RecipientJournal.Read(journal, out int valid));
        Assert.Equal(0, valid);
    }
}
