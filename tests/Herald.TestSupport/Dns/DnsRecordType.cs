// The resource record types the loopback DNS server serves (RFC 1035 §3.2.2, RFC 3596 §2.1).
namespace Herald.TestSupport.Dns;

public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    OPT = 41,
    ANY = 255,
}
