using System.Globalization;

namespace BluBees.Engine.Egress;

/// <summary>
/// The URL rules of the egress guard, usable when a connection or step is saved. The same checks run
/// again on every request and every redirect hop; names are only resolved at request time.
/// </summary>
internal static class EgressUrlValidator
{
    /// <summary>Returns an error message for an unacceptable URL, or null when the URL may be saved.</summary>
    public static string? Validate(string url, EgressOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // On Unix, Uri reads "/path" as an implicit file: URL; that is a relative URL to the user.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.IsFile && !url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return "The URL must be absolute (https://host/path).";
        }

        if (HasHiddenCharacters(url.Trim()))
        {
            return "The URL must not contain spaces, control characters or invisible characters (text direction, zero width); percent-encode them (a space is %20).";
        }

        if (Check(uri, options, new DestinationPolicy(options), out var message) != EgressFailure.None)
        {
            return message;
        }

        var host = uri.IdnHost.TrimEnd('.');
        var isLocalName = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        return isLocalName && !options.AllowPrivateNetworks ? $"Host '{uri.Host}' is not allowed." : null;
    }

    /// <summary>Scheme, user info, port and literal-address checks, in that order. Never touches the network.</summary>
    internal static EgressFailure Check(Uri uri, EgressOptions options, DestinationPolicy policy, out string message)
    {
        message = "";
        if (!uri.IsAbsoluteUri)
        {
            message = "The URL must be absolute.";
            return EgressFailure.InvalidUrl;
        }

        if (!options.IsSchemeAllowed(uri.Scheme))
        {
            message = options.AllowHttp
                ? $"Scheme '{uri.Scheme}' is not allowed; use https or http."
                : $"Scheme '{uri.Scheme}' is not allowed; use https.";
            return EgressFailure.BlockedScheme;
        }

        if (uri.UserInfo.Length > 0)
        {
            message = "The URL must not contain user info (user:password@); configure credentials on the connection.";
            return EgressFailure.InvalidUrl;
        }

        // Port 0 is no destination (a connect to it fails whatever the host); AllowAnyPort does not make it one.
        if (uri.Port == 0 || !options.IsPortAllowed(uri.Port))
        {
            message = string.Create(CultureInfo.InvariantCulture, $"Port {uri.Port} is not allowed.");
            return EgressFailure.BlockedPort;
        }

        switch (EgressHost.Parse(uri.IdnHost, out var address))
        {
            case HostKind.Invalid:
                message = $"Host '{uri.Host}' is not a valid host name or address.";
                return EgressFailure.InvalidUrl;
            case HostKind.Literal when policy.IsBlocked(address!, out _):
                message = Blocked(uri.Host);
                return EgressFailure.BlockedDestination;
            default:
                return EgressFailure.None;
        }
    }

    /// <summary>
    /// Whitespace, control and format characters (text direction such as U+202E, zero-width, byte order mark) inside a
    /// URL. RFC 3986 (section 2) allows none of them unencoded, yet <see cref="Uri"/> takes them and escapes them when it
    /// sends, so the URL stored and shown (a line break, or U+202E turning "example.com/gnp.exe" around on screen) was not
    /// the one called. Callers trim surrounding spaces, so only the URL's own characters count.
    /// </summary>
    internal static bool HasHiddenCharacters(string url)
        => url.Any(char.IsWhiteSpace) || Validation.DisplayText.HasControlOrFormatCharacters(url);

    internal static string Blocked(string host) => $"Destination '{host}' is not allowed: it is not a public address.";

    /// <summary>
    /// A name that does not resolve, or resolves to an address the policy blocks: one message for both, so that a
    /// tenant cannot tell an internal name from a missing one.
    /// </summary>
    internal static string Unresolved(string host) => $"Host '{host}' could not be resolved to an allowed address.";
}
