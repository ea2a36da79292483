using System.Net;
using System.Net.Sockets;

namespace BluBees.Engine.Egress;

/// <summary>
/// Classifies IP addresses for egress. IPv4 addresses hidden in IPv6 forms (mapped, compatible, NAT64,
/// 6to4) are unwrapped and the embedded address decides. Anything outside IPv6 global unicast (2000::/3)
/// is blocked.
/// </summary>
internal static class AddressClassifier
{
    private const AddressKind Private = AddressKind.Private;
    private const AddressKind Forbidden = AddressKind.Forbidden;
    private const AddressKind Metadata = AddressKind.Metadata;

    // Most specific first: the first match wins.
    private static readonly Range[] V4Ranges =
    [
        new("169.254.169.254/32", Metadata, "cloud metadata"),
        new("169.254.170.2/32", Metadata, "cloud metadata"),
        new("100.100.100.200/32", Metadata, "cloud metadata"),
        new("255.255.255.255/32", Forbidden, "broadcast"),
        new("0.0.0.0/8", Forbidden, "unspecified / this network"),
        new("10.0.0.0/8", Private, "private network"),
        new("100.64.0.0/10", Private, "shared address space (CGNAT)"),
        new("127.0.0.0/8", Private, "loopback"),
        new("169.254.0.0/16", Private, "link-local"),
        new("172.16.0.0/12", Private, "private network"),
        new("192.0.0.0/24", Forbidden, "IETF protocol assignments"),
        new("192.0.2.0/24", Forbidden, "documentation"),
        new("192.88.99.0/24", Forbidden, "6to4 relay anycast"),
        new("192.168.0.0/16", Private, "private network"),
        new("198.18.0.0/15", Private, "benchmarking"),
        new("198.51.100.0/24", Forbidden, "documentation"),
        new("203.0.113.0/24", Forbidden, "documentation"),
        new("224.0.0.0/4", Forbidden, "multicast"),
        new("240.0.0.0/4", Forbidden, "reserved"),
    ];

    private static readonly Range[] V6Ranges =
    [
        new("fd00:ec2::254/128", Metadata, "cloud metadata"),
        new("64:ff9b:1::/48", Private, "local-use NAT64"),
        new("100::/64", Forbidden, "discard-only"),
        new("2001::/32", Forbidden, "Teredo tunnel"),
        new("2001:2::/48", Private, "benchmarking"),
        new("2001:10::/28", Forbidden, "ORCHID"),
        new("2001:20::/28", Forbidden, "ORCHIDv2"),
        new("2001:db8::/32", Forbidden, "documentation"),
        new("3fff::/20", Forbidden, "documentation"),
        new("fc00::/7", Private, "unique local (private network)"),
        new("fe80::/10", Private, "link-local"),
        new("fec0::/10", Private, "site-local"),
        new("ff00::/8", Forbidden, "multicast"),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork LocalUseNat64 = IPNetwork.Parse("64:ff9b:1::/48");
    private static readonly IPAddress V4One = new([0, 0, 0, 1]);

    /// <summary>True when the address is not public (the default policy). <paramref name="reason"/> names the range.</summary>
    public static bool IsBlocked(IPAddress address, out string reason) => IsBlocked(address, false, out reason);

    /// <summary>
    /// As <see cref="IsBlocked(IPAddress, out string)"/>; with <paramref name="allowPrivateNetworks"/> only the
    /// ranges that are never a legitimate target (metadata, multicast, reserved, …) are blocked.
    /// </summary>
    public static bool IsBlocked(IPAddress address, bool allowPrivateNetworks, out string reason)
    {
        var kind = Classify(address, out reason);
        return kind is AddressKind.Forbidden or AddressKind.Metadata || (kind == AddressKind.Private && !allowPrivateNetworks);
    }

    internal static AddressKind Classify(IPAddress address, out string reason)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => Match(V4Ranges, address, out reason),
            AddressFamily.InterNetworkV6 => ClassifyV6(address, out reason),
            _ => Result(Forbidden, "not an IP address", out reason),
        };
    }

    private static AddressKind ClassifyV6(IPAddress address, out string reason)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (address.IsIPv4MappedToIPv6)
        {
            return Embedded(address.MapToIPv4(), "IPv4-mapped", out reason);
        }

        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            // ::/96: the unspecified address, loopback, or the deprecated IPv4-compatible form.
            var low = new IPAddress(b[12..]);
            return low.Equals(IPAddress.Any) ? Result(Forbidden, "unspecified", out reason)
                : low.Equals(V4One) ? Result(Private, "loopback", out reason)
                : Embedded(low, "IPv4-compatible", out reason);
        }

        if (Nat64.Contains(address))
        {
            return Embedded(new IPAddress(b[12..]), "NAT64", out reason);
        }

        if (SixToFour.Contains(address))
        {
            return Embedded(new IPAddress(b[2..6]), "6to4", out reason);
        }

        if (LocalUseNat64.Contains(address) && LocalUseNat64Metadata(b, out reason))
        {
            return Metadata;
        }

        var kind = Match(V6Ranges, address, out reason);
        return kind == AddressKind.Public && !GlobalUnicast.Contains(address)
            ? Result(Forbidden, "reserved (not global unicast)", out reason)
            : kind;
    }

    /// <summary>
    /// The local-use NAT64 prefix (RFC 8215) stays a private network, but a site's NAT64 translates the IPv4 address at
    /// the position its own prefix length puts it (RFC 6052 §2.2: /48, /56, /64 or /96 within this /48; bits 64–71 are
    /// skipped). The prefix length is the site's, unknown here, so a metadata address at any of the positions is metadata.
    /// </summary>
    private static bool LocalUseNat64Metadata(ReadOnlySpan<byte> b, out string reason)
    {
        ReadOnlySpan<byte> candidates =
        [
            b[6], b[7], b[9], b[10], // /48
            b[7], b[9], b[10], b[11], // /56
            b[9], b[10], b[11], b[12], // /64
            b[12], b[13], b[14], b[15], // /96
        ];
        for (var i = 0; i < candidates.Length; i += 4)
        {
            if (Match(V4Ranges, new IPAddress(candidates.Slice(i, 4)), out var inner) == Metadata)
            {
                reason = "local-use NAT64 " + inner;
                return true;
            }
        }

        reason = "";
        return false;
    }

    private static AddressKind Embedded(IPAddress v4, string form, out string reason)
    {
        var kind = Match(V4Ranges, v4, out var inner);
        reason = kind == AddressKind.Public ? "" : $"{form} {inner}";
        return kind;
    }

    private static AddressKind Match(Range[] ranges, IPAddress address, out string reason)
    {
        foreach (var range in ranges)
        {
            if (range.Network.Contains(address))
            {
                reason = range.Reason;
                return range.Kind;
            }
        }

        reason = "";
        return AddressKind.Public;
    }

    private static AddressKind Result(AddressKind kind, string why, out string reason)
    {
        reason = why;
        return kind;
    }

    private sealed record Range(IPNetwork Network, AddressKind Kind, string Reason)
    {
        public Range(string cidr, AddressKind kind, string reason) : this(IPNetwork.Parse(cidr), kind, reason)
        {
        }
    }
}
