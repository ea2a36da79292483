using System.Net;
using System.Net.Http.Headers;

namespace BluBees.Engine.Egress;

/// <summary>Builds the <see cref="HttpRequestMessage"/> for one hop. Header values are checked, never echoed.</summary>
internal static class EgressMessageFactory
{
    // Framing and hop-by-hop headers belong to the HTTP stack; Host would let a caller aim at another vhost.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Connection",
    };

    public static HttpRequestMessage? Create(
        HttpMethod method, Uri url, EgressRequest request, IReadOnlyList<EgressHeader> headers, bool withBody, out string error)
    {
        error = "";
        var message = new HttpRequestMessage(method, url)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        try
        {
            if (withBody && request.HasBody)
            {
                message.Content = request.ContentFactory?.Invoke() ?? new ReadOnlyMemoryContent(request.Body!.Value);
                if (request.ContentType is { } contentType && message.Content.Headers.ContentType is null)
                {
                    if (!IsValidValue(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var parsed))
                    {
                        error = "The content type is not valid.";
                        message.Dispose();
                        return null;
                    }

                    message.Content.Headers.ContentType = parsed;
                }
            }

            foreach (var header in headers)
            {
                if (!IsToken(header.Name) || Reserved.Contains(header.Name) || !IsValidValue(header.Value))
                {
                    error = IsToken(header.Name) ? $"Header '{header.Name}' cannot be set or has an invalid value." : "A header name is invalid.";
                    message.Dispose();
                    return null;
                }

                if (!message.Headers.TryAddWithoutValidation(header.Name, header.Value))
                {
                    // A content header: meaningful only with a body.
                    message.Content?.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }
            }

            if (!message.Headers.Contains("User-Agent"))
            {
                message.Headers.TryAddWithoutValidation("User-Agent", "BluBees");
            }

            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => c < 127 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)));

    private static bool IsValidValue(string value) => !value.AsSpan().ContainsAny('\r', '\n', '\0');
}
