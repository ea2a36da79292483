using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Egress;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>
/// Renders a compiled HTTP step into a request. The credential (from <see cref="ICredentialSource"/>, the only place
/// that makes one) is attached as given, and the request is built only when the final URL is inside the connection's
/// <see cref="CredentialScope"/> (its base URL's origin, at or below its path); the scope travels with the request so a
/// redirect out of it drops the credential. A secret is never rendered into a template scope.
/// </summary>
internal static class RequestBuilder
{
    public const string Mask = CredentialSource.Mask;
    public const int MaxRequestBodyBytes = 1024 * 1024;

    public static (PreparedRequest? Request, BuildFailure? Failure) Build(
        CompiledHttpStep step, Connection? connection, Credential? credential, JsonObject scope, TemplateLimits limits)
    {
        if (RenderTarget(step, connection, scope, limits, out var target) is { } targetFailure)
        {
            return (null, targetFailure);
        }

        if (RenderedPath.HasEncodedDotSegment(target))
        {
            return (null, new BuildFailure(ErrorCategories.InvalidUrl, "the rendered path holds a value that is a dot segment ('.' or '..')", UrlField(step)));
        }

        // A '#' rendered from event data would turn everything after it (the query, a query-string credential)
        // into a fragment that is never sent: keep it as data.
        target = target.Replace("#", "%23", StringComparison.Ordinal);
        var query = new StringBuilder(target.Contains('?', StringComparison.Ordinal) ? "&" : "?");
        foreach (var (name, template) in step.Query)
        {
            var value = template.Render(scope, limits);
            if (!value.Success)
            {
                return (null, TemplateFailure($"query parameter '{name}'", value.Error!) with { Field = "query." + name });
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value.Output!)).Append('&');
        }

        var headers = new List<EgressHeader>(step.Headers.Count + 1);
        foreach (var (name, template) in step.Headers)
        {
            var value = template.Render(scope, limits);
            if (!value.Success)
            {
                return (null, TemplateFailure($"header '{name}'", value.Error!) with { Field = "headers." + name });
            }

            switch (FaultOf(value.Output!))
            {
                case HeaderFault.LineBreak:
                    return (null, new BuildFailure(ErrorCategories.TemplateError, $"header '{name}' rendered a value with a line break", "headers." + name));
                case HeaderFault.NotAscii:
                    return (null, new BuildFailure(ErrorCategories.TemplateError, $"header '{name}' rendered a value with characters outside ASCII; encode it (url_encode or base64_encode)", "headers." + name));
            }

            headers.Add(new EgressHeader(name, value.Output!, IsCredential: name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)));
        }

        if (connection is not null && credential is not null)
        {
            ApplyCredential(credential, headers, query);
            if (credential.In == CredentialPlacement.Query)
            {
                // A query the path carries (issue data "x?api_key=forged" included) cannot put its own key ahead of
                // the connection's: a server that reads the first value would run the call under that key.
                target = WithoutParameter(target, credential.Name);
            }
        }

        var url = target + (query.Length > 1 ? query.ToString(0, query.Length - 1) : string.Empty);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return (null, new BuildFailure(ErrorCategories.InvalidUrl, "the step's URL is not a valid absolute http(s) URL", UrlField(step)));
        }

        var credentialScope = connection is null ? null : CredentialScope.Of(connection.BaseUrl);
        if (connection is not null && (credentialScope is null || !RedirectPolicy.SameOrigin(uri, new Uri(connection.BaseUrl))))
        {
            return (null, new BuildFailure(ErrorCategories.CredentialScope, "the URL is not on the connection's host; its credential is only sent there"));
        }

        if (step.Url is { IsConstant: false } && RenderedPath.LiteralDirectory(step.Url) is { } directory
            && !uri.AbsolutePath.StartsWith(directory, StringComparison.Ordinal))
        {
            // The same walk through a templated url: data after the template's literal path must stay under it.
            return (null, new BuildFailure(ErrorCategories.InvalidUrl, "the rendered URL leaves the path its template names", "url"));
        }

        if ((step.Url is null || !step.Url.IsConstant) && RenderedPath.HasHiddenDotSegment(uri))
        {
            return (null, new BuildFailure(ErrorCategories.InvalidUrl, "the rendered path holds an encoded dot segment ('..%2F', '..%5C', '..;', double encoding)", UrlField(step)));
        }

        if (credentialScope is not null && !credentialScope.Covers(uri))
        {
            // A connection's credential goes only to its base URL, path included (CredentialScope, the rule the AI and
            // Jira clients follow too). Data rendered into a path ('../', also percent-encoded: the URL parser decodes
            // and removes dot segments) must not walk the request out of it; a url (constant or rendered) on the
            // connection's host but outside its base path is refused before anything is sent, credential included.
            return step.Url is null
                ? (null, new BuildFailure(ErrorCategories.InvalidUrl, "the rendered path leaves the connection's base URL", "path"))
                : (null, new BuildFailure(ErrorCategories.CredentialScope, "the URL is outside the connection's base URL; its credential is only sent there", "url"));
        }

        byte[]? body = null;
        string? contentType = null;
        if (step.Body is not null)
        {
            var (value, error) = step.Body.Build(scope, limits);
            if (error is not null)
            {
                return (null, TemplateFailure("body", error) with { Field = "body" + error.Field });
            }

            if (Serialize(value) is not { } written)
            {
                return (null, new BuildFailure(ErrorCategories.TemplateError,
                    $"the body could not be written as JSON: it nests deeper than {MaxBodyDepth} levels, or a value is not a finite number"));
            }

            body = written;
            if (body.Length > MaxRequestBodyBytes)
            {
                return (null, new BuildFailure(ErrorCategories.TemplateError, $"the request body exceeds {MaxRequestBodyBytes} bytes"));
            }

            contentType = headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? "application/json";
            if (!IsMediaType(contentType))
            {
                // The client would refuse it while building the request, which read as an invalid URL.
                return (null, new BuildFailure(ErrorCategories.TemplateError, "header 'Content-Type' rendered a value that is not a media type (type/subtype, e.g. application/json)", "headers.Content-Type"));
            }

            headers.RemoveAll(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
        }

        return (new PreparedRequest(step.Method, uri, headers, body, contentType)
        {
            CredentialScope = credentialScope,
            CredentialParameter = credential is { In: CredentialPlacement.Query } && connection is not null ? credential.Name : null,
        }, null);
    }

    /// <summary>What makes a header value unsendable: a line break (header injection), or a character outside ASCII,
    /// which the HTTP client refuses while sending (it read as a connection failure). Checked on rendered values here
    /// and on constant ones at save (<see cref="HttpStepCompiler"/>).</summary>
    internal static HeaderFault FaultOf(string value)
        => value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0 ? HeaderFault.LineBreak
        : !Ascii.IsValid(value) ? HeaderFault.NotAscii
        : HeaderFault.None;

    /// <summary>Whether a Content-Type value is one the HTTP client takes (<c>type/subtype</c> with optional parameters).</summary>
    /// <summary>
    /// The headers as a dry run shows them, credentials masked. Header names are data, so "X-Page" and "x-page" may both
    /// be given; both are sent (one header with two values), and shown so: under the first spelling, the values joined
    /// by ", ". (A case-insensitive dictionary built directly threw on the second spelling: a 500 from the dry run.)
    /// </summary>
    internal static Dictionary<string, string> Preview(IReadOnlyList<EgressHeader> headers)
    {
        var shown = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            var value = header.IsCredential ? Mask : header.Value;
            shown[header.Name] = shown.TryGetValue(header.Name, out var before) ? before + ", " + value : value;
        }

        return shown;
    }

    internal static bool IsMediaType(string value) => System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(value, out _);

    /// <summary>
    /// How deep a rendered body may nest. A template that is a whole value puts that value under the body's own levels:
    /// an event or webhook body may itself nest 64 deep (the ingress's limit), so the serializer's default of 64
    /// turned an accepted event into an internal error; deeper than this is a template error naming the limit.
    /// </summary>
    public const int MaxBodyDepth = 256;

    private static byte[]? Serialize(JsonNode? value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = MaxBodyDepth }))
            {
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }

            return buffer.WrittenSpan.ToArray();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or JsonException)
        {
            return null; // too deep (InvalidOperationException), or NaN / infinity (ArgumentException)
        }
    }

    private static BuildFailure? RenderTarget(CompiledHttpStep step, Connection? connection, JsonObject scope, TemplateLimits limits, out string target)
    {
        target = string.Empty;
        if (step.Url is not null)
        {
            var url = step.Url.RenderUrl(scope, limits, UrlTemplatePart.Url);
            if (!url.Success)
            {
                return TemplateFailure("url", url.Error!) with { Field = "url" };
            }

            target = url.Output!.Trim();
            return null;
        }

        if (connection is null)
        {
            return new BuildFailure(ErrorCategories.ConnectionMissing, "the step's connection does not exist");
        }

        var path = string.Empty;
        if (step.Path is not null)
        {
            var rendered = step.Path.RenderUrl(scope, limits, UrlTemplatePart.Path);
            if (!rendered.Success)
            {
                return TemplateFailure("path", rendered.Error!) with { Field = "path" };
            }

            path = rendered.Output!.Trim();
        }

        if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith("//", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal))
        {
            return new BuildFailure(ErrorCategories.InvalidUrl, "the rendered path is not a relative path", "path");
        }

        target = connection.BaseUrl.TrimEnd('/') + (path.Length == 0 || path[0] is '/' or '?' ? path : "/" + path);
        return null;
    }

    private static void ApplyCredential(Credential credential, List<EgressHeader> headers, StringBuilder query)
    {
        if (credential.In == CredentialPlacement.Header)
        {
            // The connection's credential wins over a step header of the same name.
            headers.RemoveAll(h => h.Name.Equals(credential.Name, StringComparison.OrdinalIgnoreCase));
            headers.Add(credential.ToHeader());
            return;
        }

        RemoveQueryParameter(query, credential.Name);
        query.Append(Uri.EscapeDataString(credential.Name)).Append('=')
            .Append(credential.Value == Mask ? Mask : Uri.EscapeDataString(credential.Value)).Append('&');
    }

    /// <summary>The URL without any query parameter whose decoded name is <paramref name="name"/> (any case).</summary>
    private static string WithoutParameter(string url, string name)
    {
        var start = url.IndexOf('?', StringComparison.Ordinal);
        if (start < 0)
        {
            return url;
        }

        var kept = url[(start + 1)..].Split('&').Where(p => !Uri.UnescapeDataString(p.Split('=')[0]).Equals(name, StringComparison.OrdinalIgnoreCase));
        return url[..start] + "?" + string.Join('&', kept);
    }

    private static void RemoveQueryParameter(StringBuilder query, string name)
    {
        var prefix = Uri.EscapeDataString(name) + "=";
        var kept = query.ToString(1, query.Length - 1).Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith(prefix, StringComparison.Ordinal));
        var first = query[0];
        query.Clear().Append(first);
        foreach (var part in kept)
        {
            query.Append(part).Append('&');
        }
    }

    /// <summary>The step's property its URL is rendered from.</summary>
    private static string UrlField(CompiledHttpStep step) => step.Url is null ? "path" : "url";

    private static BuildFailure TemplateFailure(string where, TemplateError error)
        => new(ErrorCategories.TemplateError, $"{where}: {TemplateCompilation.Describe(error)}");
}

/// <summary>Why a header value cannot be sent (<see cref="RequestBuilder.FaultOf"/>).</summary>
internal enum HeaderFault
{
    None,
    LineBreak,
    NotAscii,
}
