using BluBees.Engine.Egress;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Connections;

/// <summary>Checks a connection input. <paramref name="hasStoredSecret"/> lets an update keep its secret.</summary>
internal static class ConnectionValidator
{
    public const int MaxSecretLength = 8192;

    public static ValidationErrors Validate(ConnectionInput input, bool hasStoredSecret, EgressOptions egress)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            errors.Add("name", "is required");
        }
        else if (input.Name.Length > 100)
        {
            errors.Add("name", "may be at most 100 characters");
        }
        else if (DisplayText.HasUnsafeCharacters(input.Name))
        {
            errors.Add("name", "must not contain control or text-direction characters");
        }

        if (string.IsNullOrWhiteSpace(input.BaseUrl))
        {
            errors.Add("baseUrl", "is required");
        }
        else if (input.BaseUrl.Length > 2048)
        {
            errors.Add("baseUrl", "may be at most 2048 characters");
        }
        else if (EgressUrlValidator.Validate(input.BaseUrl, egress) is { } urlError)
        {
            errors.Add("baseUrl", urlError);
        }
        else if (Uri.TryCreate(input.BaseUrl, UriKind.Absolute, out var uri) && (uri.Query.Length > 0 || uri.Fragment.Length > 0))
        {
            errors.Add("baseUrl", "must not have a query or fragment");
        }

        ValidateAuth(input, hasStoredSecret, errors);
        ValidateProvider(input, errors);
        OAuthValidator.Validate(input, egress, errors);
        input.Resilience?.Validate(errors);
        return errors;
    }

    /// <summary>An AI provider sends its key in a header: bearer (OpenAI) or an API-key header (x-api-key, Azure's api-key).</summary>
    private static void ValidateProvider(ConnectionInput input, ValidationErrors errors)
    {
        if (input.Provider is null)
        {
            return;
        }

        if (!AiProviders.All.Contains(input.Provider))
        {
            errors.Add("provider", $"'{input.Provider}' is not an AI provider: use one of {string.Join(", ", AiProviders.All)}, or leave it out");
            return;
        }

        if (input.Auth?.Type is { } type && AuthTypes.All.Contains(type) && !(type == AuthTypes.Bearer || (type == AuthTypes.ApiKey && input.Auth.In == "header")))
        {
            errors.Add("auth.type", $"an AI provider connection uses 'bearer' or 'apiKey' in a header, not '{type}'" + (type == AuthTypes.ApiKey ? " in the query" : ""));
        }
    }

    private static void ValidateAuth(ConnectionInput input, bool hasStoredSecret, ValidationErrors errors)
    {
        var auth = input.Auth;
        if (auth?.Type is null)
        {
            errors.Add("auth.type", $"is required: one of {string.Join(", ", AuthTypes.All)}");
            return;
        }

        if (!AuthTypes.All.Contains(auth.Type))
        {
            errors.Add("auth.type", $"'{auth.Type}' is not an auth type: use one of {string.Join(", ", AuthTypes.All)}");
            return;
        }

        if (!string.IsNullOrEmpty(input.ClientSecret) && auth.Type != AuthTypes.OAuth2RefreshToken)
        {
            errors.Add("clientSecret", $"is only for auth type {AuthTypes.OAuth2RefreshToken} (for other types the credential is 'secret')");
        }

        if (input.Secret is { Length: > MaxSecretLength })
        {
            errors.Add("secret", $"may be at most {MaxSecretLength} characters");
        }

        if (auth.Type == AuthTypes.None)
        {
            if (!string.IsNullOrEmpty(input.Secret))
            {
                errors.Add("secret", "must be empty when auth type is none");
            }

            return;
        }

        if (string.IsNullOrEmpty(input.Secret) && !hasStoredSecret)
        {
            errors.Add("secret", $"is required for auth type {auth.Type}");
        }

        if (input.Secret is { } secret && secret.Any(char.IsControl))
        {
            errors.Add("secret", "must not contain control characters");
        }
        else if (input.Secret is { Length: > 0 } headerSecret && SentInAHeader(auth) && !System.Text.Ascii.IsValid(headerSecret))
        {
            // The HTTP client sends header values as ASCII only and refuses anything else while sending: the secret
            // would be saved and then fail every run as a connection failure. (Basic auth is base64-encoded, a query
            // parameter escaped, an OAuth refresh token sent in a form: any text goes there.)
            errors.Add("secret", "must be ASCII text: it is sent in a request header");
        }

        switch (auth.Type)
        {
            case AuthTypes.ApiKey:
                if (auth.In is not ("header" or "query"))
                {
                    errors.Add("auth.in", "must be 'header' or 'query' for an API key");
                }

                if (string.IsNullOrWhiteSpace(auth.Name) || auth.Name.Length > 100 || !auth.Name.All(IsTokenChar))
                {
                    errors.Add("auth.name", "must be a header or parameter name (letters, digits, and !#$%&'*+-.^_`|~)");
                }
                else if (auth.In == "header" && HeaderRules.IsReserved(auth.Name))
                {
                    errors.Add("auth.name", $"'{auth.Name}' is managed by BluBees and cannot carry an API key");
                }

                break;
            case AuthTypes.Basic:
                if (string.IsNullOrEmpty(auth.Username) || auth.Username.Length > 200 || auth.Username.Contains(':', StringComparison.Ordinal) || auth.Username.Any(char.IsControl))
                {
                    errors.Add("auth.username", "is required for basic auth, without ':' or control characters");
                }

                break;
        }
    }

    private static bool SentInAHeader(ConnectionAuth auth)
        => auth.Type == AuthTypes.Bearer || auth.Type == AuthTypes.ApiKey && auth.In == "header";

    public static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
