using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BluBees.Engine.Egress;

internal enum HostKind
{
    Name,
    Literal,
    Invalid,
}

/// <summary>
/// Recognises every way a host can spell an IP address, the way inet_aton and the WHATWG URL standard read
/// it: dotted forms with 1 to 4 parts, each decimal, octal (leading 0) or hex (0x), an optional trailing dot,
/// and bracketed IPv6. System.Uri already canonicalises most of these, but not all (<c>127.0.0.1.</c>,
/// full-width digits), and the system resolver would happily treat the rest as addresses.
/// A host whose last label is a number but which is not a valid address is invalid, never a name.
/// </summary>
internal static class EgressHost
{
    public static HostKind Parse(string host, out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(host))
        {
            return HostKind.Invalid;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            var bare = host.Trim('[', ']').Replace("%25", "%", StringComparison.Ordinal);
            if (IPAddress.TryParse(bare, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            {
                address = v6;
                return HostKind.Literal;
            }

            return HostKind.Invalid;
        }

        var trimmed = host.EndsWith('.') ? host[..^1] : host;
        var parts = trimmed.Split('.');
        if (!IsNumber(parts[^1]))
        {
            return HostKind.Name;
        }

        address = ParseIPv4(parts);
        return address is null ? HostKind.Invalid : HostKind.Literal;
    }

    private static bool IsNumber(string part) =>
        part.Length > 0 && (part.All(char.IsAsciiDigit) || (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && part[2..].All(char.IsAsciiHexDigit)));

    private static IPAddress? ParseIPv4(string[] parts)
    {
        if (parts.Length > 4)
        {
            return null;
        }

        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TryParsePart(parts[i], out values[i]) || (i < parts.Length - 1 && values[i] > 255))
            {
                return null;
            }
        }

        // The last part fills every byte the earlier parts did not (127.1 is 127.0.0.1).
        var lastBits = 8 * (5 - parts.Length);
        if (values[^1] >= 1UL << lastBits)
        {
            return null;
        }

        ulong result = values[^1];
        for (var i = 0; i < parts.Length - 1; i++)
        {
            result |= values[i] << (24 - (8 * i));
        }

        return new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
    }

    private static bool TryParsePart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0 || part.Length > 34)
        {
            return false;
        }

        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return part.Length == 2 || ulong.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part.AsSpan(1))
            {
                if (c is < '0' or > '7' || value > uint.MaxValue)
                {
                    return false;
                }

                value = (value * 8) + (ulong)(c - '0');
            }

            return true;
        }

        return ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
