using BluBees.Engine.Egress;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Connections;

/// <summary>Checks the OAuth 2.0 fields of a connection input: token URL, client id, scope and client authentication.</summary>
internal static class OAuthValidator
{
    public static void Validate(ConnectionInput input, EgressOptions egress, ValidationErrors errors)
    {
        var auth = input.Auth;
        if (!AuthTypes.IsOAuth2(auth?.Type))
        {
            if (auth is not null && (auth.TokenUrl ?? auth.ClientId ?? auth.Scope ?? auth.ClientAuth) is not null)
            {
                errors.Add("auth.tokenUrl", "tokenUrl, clientId, scope and clientAuth are only for OAuth 2.0 auth types");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(auth!.TokenUrl))
        {
            errors.Add("auth.tokenUrl", "is required for OAuth 2.0");
        }
        else if (auth.TokenUrl.Length > 2048)
        {
            errors.Add("auth.tokenUrl", "may be at most 2048 characters");
        }
        else if (EgressUrlValidator.Validate(auth.TokenUrl, egress) is { } urlError)
        {
            errors.Add("auth.tokenUrl", urlError);
        }
        else if (Uri.TryCreate(auth.TokenUrl, UriKind.Absolute, out var uri) && uri.Fragment.Length > 0)
        {
            errors.Add("auth.tokenUrl", "must not have a fragment");
        }

        if (string.IsNullOrWhiteSpace(auth.ClientId) || auth.ClientId.Length > 200 || auth.ClientId.Any(char.IsControl))
        {
            errors.Add("auth.clientId", "is required for OAuth 2.0: at most 200 characters, no control characters");
        }

        if (auth.Scope is { } scope && (scope.Length > 1000 || !scope.All(IsScopeChar)))
        {
            errors.Add("auth.scope", "must be space-separated scope tokens (printable ASCII without '\"' or '\\'), at most 1000 characters");
        }

        if (auth.ClientAuth is not (null or "body" or "basic"))
        {
            errors.Add("auth.clientAuth", "must be 'body' or 'basic'");
        }

        if (input.ClientSecret is { } clientSecret && (clientSecret.Length > ConnectionValidator.MaxSecretLength || clientSecret.Any(char.IsControl)))
        {
            errors.Add("clientSecret", $"may be at most {ConnectionValidator.MaxSecretLength} characters, without control characters");
        }
    }

    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by spaces.
    private static bool IsScopeChar(char c) => c == ' ' || (c >= 0x21 && c <= 0x7E && c != '"' && c != '\\');
}
