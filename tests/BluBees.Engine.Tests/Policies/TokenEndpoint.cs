using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Tests.Egress;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A loopback OAuth 2.0 token endpoint. Each request's form is recorded; <see cref="Answer"/> decides the reply
/// (default: a fresh numbered access token valid 3600 s). <see cref="Gate"/>, when set, holds every reply.
/// </summary>
internal sealed class TokenEndpoint : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private int _issued;

    public TokenEndpoint()
    {
        _server = LoopbackServer.Start(async (request, stream, ct) =>
        {
            var form = Scripted.Form(request);
            Forms.Enqueue(form);
            Authorizations.Enqueue(request.Header("Authorization"));
            if (Gate is { } gate && (Holds?.Invoke(form) ?? true))
            {
                await gate.Task.WaitAsync(ct);
            }

            var (status, body) = Answer(form, Interlocked.Increment(ref _issued));
            await LoopbackServer.RespondAsync(stream, status, RawBody ?? body.ToJsonString(), ct, [("Content-Type", "application/json"), .. Headers]);
        });
    }

    public ConcurrentQueue<JsonObject> Forms { get; } = new();

    public ConcurrentQueue<string?> Authorizations { get; } = new();

    public int Requests => Forms.Count;

    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Which requests <see cref="Gate"/> holds (by their form); unset: every one.</summary>
    public Func<JsonObject, bool>? Holds { get; set; }

    /// <summary>When set, the reply's body as written (JSON a serializer would not write: an escaped lone surrogate, a BOM), with <see cref="Answer"/>'s status.</summary>
    public string? RawBody { get; set; }

    /// <summary>Headers added to every reply (a <c>Retry-After</c>, say).</summary>
    public (string Name, string Value)[] Headers { get; set; } = [];

    public Func<JsonObject, int, (int Status, JsonObject Body)> Answer { get; set; } =
        (_, n) => (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 3600 });

    public string Url => _server.Url("/oauth/token").ToString();

    public ConnectionInput ClientCredentials(LoopbackServer api, string clientSecret, string clientAuth = "body") => new()
    {
        Name = "OAuth API",
        BaseUrl = api.Url("/api").ToString(),
        Auth = new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials, TokenUrl = Url, ClientId = "client-1", Scope = "read write", ClientAuth = clientAuth },
        Secret = clientSecret,
    };

    public ConnectionInput RefreshToken(LoopbackServer api, string refreshToken, string? clientSecret = null) => new()
    {
        Name = "OAuth API",
        BaseUrl = api.Url("/api").ToString(),
        Auth = new ConnectionAuth { Type = AuthTypes.OAuth2RefreshToken, TokenUrl = Url, ClientId = "client-1" },
        Secret = refreshToken,
        ClientSecret = clientSecret,
    };

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
