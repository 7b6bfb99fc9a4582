// Client contexts and addresses the policy tests use again and again.
using System.Net;
using Herald.Protocol.Addresses;

namespace Herald.Policy.Tests;

internal static class Clients
{
    public static ClientContext Stranger(string address = "192.0.2.1") => new(IPAddress.Parse(address), isTrusted: false);

    public static ClientContext Trusted(string address = "10.0.0.1") => new(IPAddress.Parse(address), isTrusted: true);

    public static ClientContext Authenticated(string address = "192.0.2.1") =>
        new(IPAddress.Parse(address), isTrusted: false) { AuthenticatedAs = "alice" };

    public static Mailbox Mailbox(string address) =>
        MailboxGrammar.TryParseMailbox(address, out Mailbox? mailbox) ? mailbox! : throw new ArgumentException($"'{address}' is not a mailbox.", nameof(address));
}
