using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps;

/// <summary>Validates and compiles one HTTP step.</summary>
internal static class HttpStepCompiler
{
    public static CompiledHttpStep? Compile(
        HttpStepDefinition step, string path, IReadOnlyDictionary<string, Connection>? connections,
        EgressOptions egress, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        Connection? connection = null;
        if (step.Connection is null)
        {
            if (step.Url is null)
            {
                errors.Add(path + ".connection", "is required (or give an absolute 'url' for an unauthenticated call)");
            }
        }
        else if (connections is not null && !connections.TryGetValue(step.Connection, out connection))
        {
            errors.Add(path + ".connection", $"connection '{step.Connection}' does not exist");
        }

        var method = step.Method ?? "GET";
        if (!HttpMethods.Allowed.Contains(method))
        {
            errors.Add(path + ".method", $"'{method}' is not allowed: use one of {string.Join(", ", HttpMethods.Allowed)}");
        }

        Template? pathTemplate = null;
        Template? urlTemplate = null;
        if (step.Path is not null && step.Url is not null)
        {
            errors.Add(path + ".url", "give either 'path' (relative to the connection) or 'url', not both");
        }
        else if (step.Url is not null)
        {
            urlTemplate = TemplateCompilation.Compile(step.Url, path + ".url", limits, errors);
            if (urlTemplate is { IsConstant: true } && EgressUrlValidator.Validate(step.Url, egress) is { } urlError)
            {
                errors.Add(path + ".url", urlError);
            }
            else if (urlTemplate is not null && !StartsWithAllowedScheme(step.Url))
            {
                errors.Add(path + ".url", "must start with https:// (or http:// where the operator allows it)");
            }
            else if (urlTemplate is { IsConstant: true } && connection is not null && !SameOrigin(step.Url, connection.BaseUrl))
            {
                errors.Add(path + ".url", "is not on the connection's origin; a connection's credential is only sent to its own host");
            }
            else if (urlTemplate is { IsConstant: true } && connection is not null && !InScope(step.Url, connection.BaseUrl))
            {
                // The run-time rule (RequestBuilder, CredentialScope): at or below the base URL's path, no hidden dot segment.
                errors.Add(path + ".url", "is outside the connection's base URL; a connection's credential is only sent at or below its base URL's path");
            }
            else if (urlTemplate is { IsConstant: false } && connection is not null && LiteralPartLeavesScope(urlTemplate, connection.BaseUrl) is { } message)
            {
                // A rendered URL must start with the path its text spells out before the first placeholder (RequestBuilder):
                // when that text already leaves the connection's base URL, no data can bring the request back into it.
                errors.Add(path + ".url", message);
            }
        }
        else if (step.Path is not null)
        {
            if (step.Path.Contains("://", StringComparison.Ordinal) || step.Path.StartsWith("//", StringComparison.Ordinal) || step.Path.Contains('\\', StringComparison.Ordinal))
            {
                errors.Add(path + ".path", "must be a path relative to the connection's base URL, not a URL");
            }
            else
            {
                pathTemplate = TemplateCompilation.Compile(step.Path, path + ".path", limits, errors);
            }
        }

        var headers = CompilePairs(step.Headers, path + ".headers", RuleLimits.MaxHeaders, isHeader: true, limits, errors);
        var query = CompilePairs(step.Query, path + ".query", RuleLimits.MaxQuery, isHeader: false, limits, errors);
        var body = CompiledBody.Compile(step.Body, path + ".body", limits, errors);
        if (step.Body is not null && !HttpMethods.HasBody(method))
        {
            errors.Add(path + ".body", $"a {method} request has no body");
        }

        var timeout = step.TimeoutSeconds ?? RuleLimits.DefaultTimeoutSeconds;
        if (timeout is < 1 or > RuleLimits.MaxTimeoutSeconds)
        {
            errors.Add(path + ".timeoutSeconds", $"must be from 1 to {RuleLimits.MaxTimeoutSeconds}");
        }

        if (step.OnError is not (null or "stop" or "continue"))
        {
            errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return errors.Count > before
            ? null
            : new CompiledHttpStep(step.Id!, connection?.Id ?? step.Connection, method, pathTemplate, urlTemplate, headers, query, body, TimeSpan.FromSeconds(timeout), step.OnError == "continue");
    }

    private static bool SameOrigin(string a, string b)
        => Uri.TryCreate(a.Trim(), UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
        && Uri.Compare(x, y, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static bool InScope(string url, string baseUrl)
        => CredentialScope.Of(baseUrl) is { } scope && Uri.TryCreate(url.Trim().Replace("#", "%23", StringComparison.Ordinal), UriKind.Absolute, out var parsed) && scope.Covers(parsed);

    /// <summary>
    /// Why a url template's literal part (its scheme, host and the path up to the last '/' before the first placeholder)
    /// is outside the connection's base URL whatever the data renders, or null when some data could land inside it (or the
    /// host itself is templated: checked when the step runs).
    /// </summary>
    private static string? LiteralPartLeavesScope(Template url, string baseUrl)
    {
        if (RenderedPath.LiteralDirectory(url) is not { } directory
            || !Uri.TryCreate(url.LiteralPrefix.Trim(), UriKind.Absolute, out var literal)
            || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var connection))
        {
            return null;
        }

        if (!RedirectPolicy.SameOrigin(literal, connection))
        {
            return "is not on the connection's origin; a connection's credential is only sent to its own host";
        }

        var basePath = connection.AbsolutePath.TrimEnd('/') + "/";
        return directory.StartsWith(basePath, StringComparison.Ordinal) || basePath.StartsWith(directory, StringComparison.Ordinal)
            ? null
            : "is outside the connection's base URL whatever the data: the path it spells out before the first placeholder already leaves it; a connection's credential is only sent at or below its base URL's path";
    }

    private static bool StartsWithAllowedScheme(string url)
        => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    private static List<KeyValuePair<string, Template>> CompilePairs(
        IReadOnlyDictionary<string, string>? pairs, string path, int max, bool isHeader, TemplateLimits limits, ValidationErrors errors)
    {
        var compiled = new List<KeyValuePair<string, Template>>();
        if (pairs is null)
        {
            return compiled;
        }

        if (pairs.Count > max)
        {
            errors.Add(path, $"may have at most {max} entries");
            return compiled;
        }

        foreach (var (name, value) in pairs)
        {
            var itemPath = $"{path}.{name}";
            if (name.Length is 0 or > 100 || (isHeader && !name.All(ConnectionValidator.IsTokenChar)))
            {
                errors.Add(itemPath, isHeader ? "is not a valid header name" : "is not a valid parameter name");
                continue;
            }

            if (isHeader && HeaderRules.IsReserved(name))
            {
                errors.Add(itemPath, $"'{name}' is managed by BluBees and cannot be set by a step");
                continue;
            }

            if (value is null)
            {
                errors.Add(itemPath, "must be a string");
                continue;
            }

            if (TemplateCompilation.Compile(value, itemPath, limits, errors) is { } template)
            {
                if (isHeader && template.IsConstant && ConstantHeaderProblem(name, template.Render(new System.Text.Json.Nodes.JsonObject(), limits).Output) is { } problem)
                {
                    errors.Add(itemPath, problem);
                    continue;
                }

                compiled.Add(new(name, template));
            }
        }

        return compiled;
    }

    /// <summary>A header value that could never be sent (the same checks <see cref="RequestBuilder"/> makes on a rendered one).</summary>
    private static string? ConstantHeaderProblem(string name, string? value)
        => value is null ? null
        : RequestBuilder.FaultOf(value) switch
        {
            HeaderFault.LineBreak => "must not contain a line break",
            HeaderFault.NotAscii => "must be ASCII (header values cannot carry other characters); encode it, e.g. with url_encode",
            _ => null,
        }
        ?? (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && !RequestBuilder.IsMediaType(value) ? "must be a media type (type/subtype, e.g. application/json)" : null);
}
