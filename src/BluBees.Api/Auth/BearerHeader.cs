using Microsoft.Extensions.Primitives;

namespace BluBees.Api.Auth;

/// <summary>
/// The token of an <c>Authorization: Bearer …</c> header, or null: exactly one header, the scheme matched without
/// regard to case (RFC 9110 §11.1: <c>bearer</c> and <c>BEARER</c> name the same scheme), then the token.
/// </summary>
internal static class BearerHeader
{
    private const string Scheme = "Bearer ";

    public static string? Token(StringValues header)
        => header.Count == 1 && header[0] is { } value && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            ? value[Scheme.Length..].Trim()
            : null;
}
