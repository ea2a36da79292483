using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Transfer;

namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// A credential written into the rule itself: a header such as <c>Authorization</c> or <c>X-Api-Key</c>, or a query
/// parameter such as <c>api_key</c> (in <c>query</c> or in the <c>url</c>), whose value is literal text rather than a
/// template. Rules are configuration: stored unencrypted, shown to every administrator of the site, kept in the rule's
/// versions and in its exports. A connection keeps a credential AES-256-GCM encrypted and sends it only to its own
/// host, so the rule is saved with a warning that says so. A value computed by a template (a token an earlier step
/// fetched, <c>{{ steps.login.token }}</c>) is not stored and is not warned; the warning never quotes the value.
/// </summary>
internal static class LiteralCredential
{
    /// <summary>Header names that carry credentials (compared without case), beside any name containing one of <see cref="Words"/>.</summary>
    private static readonly HashSet<string> Headers = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "X-Api-Key", "Api-Key", "Apikey", "X-Auth-Token", "X-Access-Token", "Private-Token", "X-Auth-Key",
    };

    /// <summary>Query parameter names that carry credentials (compared without case).</summary>
    private static readonly HashSet<string> Parameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "api_key", "apikey", "api-key", "key", "access_token", "auth_token", "token", "auth", "secret", "client_secret",
        "password", "passwd", "pwd", "sig", "signature", "code",
    };

    private static readonly string[] Words = ["token", "secret", "password", "apikey", "api-key", "api_key"];

    public static void Check(StepDefinition step, string path, List<RuleWarning> warnings)
    {
        switch (step)
        {
            case HttpStepDefinition http:
                Check(http.Url, http.Headers, http.Query, path, warnings);
                break;
            case TransferStepDefinition transfer:
                if (transfer.Source is { } source)
                {
                    Check(source.Url, source.Headers, source.Query, path + ".source", warnings);
                }

                if (transfer.Destination is { } destination)
                {
                    Check(destination.Url, destination.Headers, destination.Query, path + ".destination", warnings);
                }

                break;
        }
    }

    private static void Check(string? url, IReadOnlyDictionary<string, string>? headers, IReadOnlyDictionary<string, string>? query, string path, List<RuleWarning> warnings)
    {
        foreach (var (name, value) in headers ?? Empty)
        {
            if (IsCredentialHeader(name) && IsLiteral(value))
            {
                warnings.Add(Warning($"{path}.headers.{name}", $"The header '{name}'"));
            }
        }

        foreach (var (name, value) in query ?? Empty)
        {
            if (Parameters.Contains(name) && IsLiteral(value))
            {
                warnings.Add(Warning($"{path}.query.{name}", $"The query parameter '{name}'"));
            }
        }

        if (url is not null && LiteralUrlParameter(url) is { } parameter)
        {
            warnings.Add(Warning(path + ".url", $"The url's query parameter '{parameter}'"));
        }
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static bool IsCredentialHeader(string name)
        => Headers.Contains(name) || Words.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase));

    /// <summary>Text with something in it and no placeholder: what is saved is what is sent.</summary>
    private static bool IsLiteral(string? value)
        => value is not null && value.Trim().Length > 0 && !value.Contains("{{", StringComparison.Ordinal) && !value.Contains("{%", StringComparison.Ordinal);

    /// <summary>The first credential parameter of the url's literal query (before any placeholder) whose value is written out, or null.</summary>
    internal static string? LiteralUrlParameter(string url)
    {
        var queryAt = url.IndexOf('?', StringComparison.Ordinal);
        if (queryAt < 0)
        {
            return null;
        }

        var query = url[(queryAt + 1)..];
        var hash = query.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            query = query[..hash];
        }

        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var name = Uri.UnescapeDataString(pair[..equals].Replace('+', ' ')).Trim();
            if (Parameters.Contains(name) && IsLiteral(pair[(equals + 1)..]))
            {
                return name;
            }
        }

        return null;
    }

    private static RuleWarning Warning(string path, string what) => new(path, RuleWarningCodes.LiteralCredential,
        $"{what} holds a credential written into the rule. Rules are configuration: stored unencrypted, shown to every administrator of the site, kept in the rule's versions and exports. Put the credential in a connection (kept encrypted, sent only to its own host) and leave it out of the step.");
}
