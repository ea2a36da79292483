using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Transfer;

namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// A <c>url</c> without a connection whose host (or port, or user part) comes from data: a placeholder before the
/// literal '/', '?' or '#' that ends the authority (<c>https://{{ x }}/v1</c>, <c>https://api.example.com{{ x }}</c>,
/// where data such as <c>.evil.com/</c> or <c>@evil.com</c> moves the request to another host). A templated host is a
/// feature, so this is a warning, not a refusal; with a connection the origin is held at run time and nothing is said.
/// </summary>
internal static class TemplatedHost
{
    public static void Check(StepDefinition step, string path, List<RuleWarning> warnings)
    {
        switch (step)
        {
            case HttpStepDefinition http:
                Check(http.Connection, http.Url, path + ".url", warnings);
                break;
            case TransferStepDefinition transfer:
                Check(transfer.Source?.Connection, transfer.Source?.Url, path + ".source.url", warnings);
                Check(transfer.Destination?.Connection, transfer.Destination?.Url, path + ".destination.url", warnings);
                break;
        }
    }

    private static void Check(string? connection, string? url, string path, List<RuleWarning> warnings)
    {
        if (string.IsNullOrEmpty(connection) && url is not null && HostFromData(url))
        {
            warnings.Add(new RuleWarning(path, RuleWarningCodes.HostFromData,
                "The host of this url comes from data: a placeholder comes before the '/' that ends the host, so a value such as '.other.example/' or '@other.example' sends the request (and its headers) to another server. Write the host out and end it with '/' before the first placeholder, or use a connection."));
        }
    }

    /// <summary>True when a placeholder (<c>{{</c> or <c>{%</c>) starts before the authority's literal end.</summary>
    internal static bool HostFromData(string url)
    {
        var text = url.TrimStart();
        var placeholder = FirstPlaceholder(text);
        if (placeholder < 0)
        {
            return false;
        }

        var literal = text[..placeholder];
        var scheme = literal.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return true; // the scheme or the "//" itself comes from data
        }

        var authority = literal[(scheme + 3)..];
        return authority.IndexOfAny(['/', '?', '#']) < 0;
    }

    private static int FirstPlaceholder(string text)
    {
        var output = text.IndexOf("{{", StringComparison.Ordinal);
        var tag = text.IndexOf("{%", StringComparison.Ordinal);
        return output < 0 ? tag : tag < 0 ? output : Math.Min(output, tag);
    }
}
