using System.Text;
using System.Text.Json;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Json;

namespace BluBees.Engine.Connections.OAuth;

/// <summary>
/// One token request (RFC 6749 §4.4 client credentials, §6 refresh) through the egress guard. The response body
/// is parsed here and dropped; failures are closed categories, never the server's text (it may echo secrets).
/// </summary>
internal sealed class OAuthTokenClient(GuardedHttpClient http)
{
    public const int MaxTokenResponseBytes = 64 * 1024;

    /// <summary>The longest <c>Retry-After</c> of a 429/5xx token answer that is honoured; a longer one counts as this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    /// <param name="time">
    /// To read a <c>Retry-After</c> given as an HTTP-date against the time the answer came (the caller adds the delay
    /// to that time), not the time the request was sent: a slow answer would otherwise stretch the pause.
    /// </param>
    public async Task<TokenResponse> RequestAsync(ConnectionAuth auth, TokenGrant grant, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var form = new StringBuilder();
        Append(form, "grant_type", grant.RefreshToken is null ? "client_credentials" : "refresh_token");
        if (grant.RefreshToken is not null)
        {
            Append(form, "refresh_token", grant.RefreshToken);
        }

        if (auth.Scope is not null)
        {
            Append(form, "scope", auth.Scope);
        }

        var headers = new List<EgressHeader>(2) { new("Accept", "application/json") };
        if (grant.ClientSecret is not null && auth.ClientAuth == "basic")
        {
            // §2.3.1: both parts form-url-encoded before Basic encoding.
            var pair = Uri.EscapeDataString(auth.ClientId!) + ":" + Uri.EscapeDataString(grant.ClientSecret);
            headers.Add(new EgressHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)), IsCredential: true));
        }
        else
        {
            Append(form, "client_id", auth.ClientId!);
            if (grant.ClientSecret is not null)
            {
                Append(form, "client_secret", grant.ClientSecret);
            }
        }

        var request = new EgressRequest(HttpMethod.Post, new Uri(auth.TokenUrl!))
        {
            Headers = headers,
            Body = Encoding.UTF8.GetBytes(form.ToString(0, form.Length - 1)),
            ContentType = "application/x-www-form-urlencoded",
            // The form holds the client secret or refresh token: it never follows a redirect to another origin, nor one
            // on the token URL's origin that leaves its path (a 307 to /other would re-send the secret there), and a Basic
            // client credential is scoped the same way.
            BodyCarriesCredential = true,
            CredentialScope = CredentialScope.Of(auth.TokenUrl!),
            Timeout = timeout,
            MaxResponseBytes = MaxTokenResponseBytes,
        };
        using var response = await http.SendAsync(request, ct);
        return response.Failure switch
        {
            EgressFailure.None => Parse(response, time.GetUtcNow()),
            // Refusals and a redirect loop are the shared categories (each says what to fix in the token URL);
            // anything else means the endpoint could not give a token.
            EgressFailure.BlockedDestination or EgressFailure.BlockedPort or EgressFailure.BlockedScheme or EgressFailure.RedirectRefused
                or EgressFailure.TooManyRedirects
                => TokenResponse.Failed(EgressCategories.Of(response.Failure)!, response.StatusCode),
            _ => TokenResponse.Failed(ErrorCategories.OAuthTokenUnavailable, response.StatusCode),
        };
    }

    private static TokenResponse Parse(EgressResponse response, DateTimeOffset now)
    {
        var status = response.StatusCode!.Value;
        if (status is 429 or >= 500)
        {
            return TokenResponse.Failed(ErrorCategories.OAuthTokenUnavailable, status) with
            {
                RetryAfter = RetryAfter.TryGet(response, now, out var delay) && delay > TimeSpan.Zero
                    ? (delay < MaxRetryAfter ? delay : MaxRetryAfter)
                    : null,
            };
        }

        if (status is < 200 or >= 300)
        {
            return TokenResponse.Failed(ErrorCategories.OAuthTokenRejected, status);
        }

        // The connector answers' text rules (ResponseJson): a UTF-8 byte order mark is not part of the JSON, and an answer
        // holding a string or name that is not text (an escaped lone surrogate "\ud800", invalid UTF-8) or a name twice
        // is not a token answer. Before, GetString threw InvalidOperationException past the JsonException catch below
        // and the run ended internal_error with an Error log; a BOM made a good answer oauth_token_rejected.
        var body = response.Body[(response.Body.Length - ResponseJson.WithoutByteOrderMark(response.Body.Span).Length)..];
        if (ResponseJson.HasUnreadableText(body.Span))
        {
            return TokenResponse.Failed(ErrorCategories.OAuthTokenRejected, status);
        }

        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("access_token", out var access) || access.ValueKind != JsonValueKind.String
                || access.GetString() is not { Length: > 0 } accessToken || !IsVisibleAscii(accessToken)
                || root.TryGetProperty("token_type", out var type)
                    && (type.ValueKind != JsonValueKind.String || !string.Equals(type.GetString(), "bearer", StringComparison.OrdinalIgnoreCase)))
            {
                return TokenResponse.Failed(ErrorCategories.OAuthTokenRejected, status);
            }

            TimeSpan? lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt64(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(Math.Min(seconds, 366L * 24 * 3600))
                : null;
            var refresh = root.TryGetProperty("refresh_token", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 } rt ? rt : null;
            return new TokenResponse(accessToken, lifetime, refresh, null, status);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return TokenResponse.Failed(ErrorCategories.OAuthTokenRejected, status);
        }
    }

    /// <summary>RFC 6749 A.12: access-token = 1*VSCHAR (%x20-7E). Anything else cannot be sent in a header.</summary>
    private static bool IsVisibleAscii(string token) => token.All(c => c is >= '\x20' and <= '\x7E');

    private static void Append(StringBuilder form, string name, string value)
        => form.Append(name).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
}

/// <summary>What a token request needs besides the connection's configuration: its decrypted secrets.</summary>
internal readonly record struct TokenGrant(string? ClientSecret, string? RefreshToken);

/// <summary>A token endpoint answer: a token, or a closed failure category (and the HTTP status, if any).</summary>
internal sealed record TokenResponse(string? AccessToken, TimeSpan? Lifetime, string? RefreshToken, string? Category, int? StatusCode)
{
    /// <summary>How long the endpoint asked not to be called again (429/5xx with <c>Retry-After</c>), at most <see cref="OAuthTokenClient.MaxRetryAfter"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static TokenResponse Failed(string category, int? status) => new(null, null, null, category, status);

    /// <summary>Never prints a token.</summary>
    public override string ToString() => $"TokenResponse {{ Category = {Category}, StatusCode = {StatusCode} }}";
}
