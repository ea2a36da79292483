namespace BluBees.Api.Observability;

/// <summary>
/// Which structured values of the framework's log lines carry request data, by category, and what is written instead.
/// A category not listed keeps its values (routing's paths and route templates, Kestrel's connection ids): only the
/// exception text is cut everywhere (<see cref="RedactingLogger"/>).
/// </summary>
internal static class FrameworkLogRules
{
    /// <summary>Written instead of a redacted value.</summary>
    public const string Redacted = "(redacted)";

    /// <summary>
    /// <c>Request starting</c> / <c>Request finished</c> (Information): the URL is built from the caller's <c>Host</c>
    /// header and the raw query string, which may carry a key or token.
    /// </summary>
    private const string Hosting = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>
    /// <c>Connection id "…" bad request data: "…"</c> (Debug): with Kestrel's own category at Information or below the
    /// message quotes the refused request line or header line (an <c>Authorization</c> or <c>x-forge-oauth-system</c>
    /// line, a target with its query), escaped, up to 128 characters. The reason before the colon stays.
    /// </summary>
    private const string KestrelBadRequests = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    private static readonly IReadOnlyDictionary<string, Func<object?, object?>> HostingValues = new Dictionary<string, Func<object?, object?>>(StringComparer.Ordinal)
    {
        ["QueryString"] = value => value is string { Length: > 0 } ? "?" + Redacted : value,
        ["Host"] = value => value is string { Length: > 0 } ? Redacted : value,
    };

    private static readonly IReadOnlyDictionary<string, Func<object?, object?>> BadRequestValues = new Dictionary<string, Func<object?, object?>>(StringComparer.Ordinal)
    {
        ["message"] = value => value is string text ? ReasonOnly(text) : value,
    };

    /// <summary>The value rules of a category; null when it has none.</summary>
    public static IReadOnlyDictionary<string, Func<object?, object?>>? For(string category) => category switch
    {
        Hosting => HostingValues,
        KestrelBadRequests => BadRequestValues,
        _ => null,
    };

    /// <summary>"Invalid request header: 'Authorization Bearer …'" → "Invalid request header".</summary>
    internal static string ReasonOnly(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        var quote = message.IndexOf('\'', StringComparison.Ordinal);
        var cut = colon < 0 ? quote : quote < 0 ? colon : Math.Min(colon, quote);
        return cut < 0 ? message : message[..cut].TrimEnd();
    }
}
