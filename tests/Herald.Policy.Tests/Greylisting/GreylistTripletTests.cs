// How a delivery attempt becomes a triplet: /24 and /64 networks, lower case, the null sender.
using System.Net;
using Herald.Policy.Greylisting;

namespace Herald.Policy.Tests.Greylisting;

public sealed class GreylistTripletTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.0/24")]
    [InlineData("192.0.2.254", "192.0.2.0/24")]
    [InlineData("::ffff:192.0.2.77", "192.0.2.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void Network_IsThe24OrThe64(string address, string network)
    {
        Assert.Equal(network, GreylistTriplet.NetworkOf(IPAddress.Parse(address)));
    }

    [Fact]
    public void Addresses_AreLowerCased()
    {
        var triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.1"), Clients.Mailbox("Alice@Example.ORG"), Clients.Mailbox("Bob@Example.NET"));

        Assert.Equal(new GreylistTriplet("192.0.2.0/24", "alice@example.org", "bob@example.net"), triplet);
    }

    [Fact]
    public void NullSender_IsWrittenAsAngleBrackets()
    {
        var triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.1"), sender: (Herald.Protocol.Addresses.Mailbox?)null, Clients.Mailbox("bob@example.net"));

        Assert.Equal("<>", triplet.Sender);
    }

    [Theory]
    [InlineData("", "<>")]
    [InlineData("<>", "<>")]
    [InlineData(null, "<>")]
    [InlineData("<Alice@Example.org>", "alice@example.org")]
    [InlineData("alice@example.org", "alice@example.org")]
    public void CommandLineForms_MatchWhatTheCheckRecords(string? typed, string sender)
    {
        var triplet = GreylistTriplet.For(IPAddress.Parse("192.0.2.9"), typed, "<Bob@example.net>");

        Assert.Equal(new GreylistTriplet("192.0.2.0/24", sender, "bob@example.net"), triplet);
    }
}
