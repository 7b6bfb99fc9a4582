// Assertions on replies: the exact basic code and enhanced code, as the reply contract demands.
using Herald.Protocol.Replies;

namespace Herald.TestSupport.Smtp;

public static class ReplyAssert
{
    /// <summary>Asserts the code and, when given, the enhanced code (e.g. "4.3.2").</summary>
    public static void Is(SmtpReply reply, int code, string? enhanced = null)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Assert.True(reply.Code.Value == code, $"Expected {code} {enhanced}, got: {reply}");
        if (enhanced is not null)
        {
            Assert.True(reply.Enhanced?.ToString() == enhanced, $"Expected {code} {enhanced}, got: {reply}");
        }
    }
}
