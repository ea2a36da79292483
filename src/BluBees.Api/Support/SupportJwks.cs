using System.Security.Cryptography;
using BluBees.Api.Auth;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>
/// The company identity provider's signing keys. Composes the Forge <see cref="JwksCache"/> (lazy fetch, cache,
/// refetch on an unknown kid at most once per cooldown, no redirects) pointed at the support JWKS, so the two
/// issuers never share keys: a Forge key can never verify a support token, nor the reverse.
/// </summary>
internal sealed class SupportJwks : IJwksSource, IDisposable
{
    private readonly JwksCache _cache;

    public SupportJwks(IHttpClientFactory httpClientFactory, IOptions<SupportOptions> options, TimeProvider time, ILogger<SupportJwks> logger)
    {
        var o = options.Value;
        var settings = new ForgeOptions
        {
            JwksUrl = o.JwksUrl,
            JwksCacheSeconds = o.JwksCacheSeconds,
            JwksRefreshCooldownSeconds = o.JwksRefreshCooldownSeconds,
        };
        _cache = new JwksCache(httpClientFactory, Options.Create(settings), time, new CategoryLogger(logger));
    }

    public int FetchCount => _cache.FetchCount;

    public ValueTask<RSA?> GetKeyAsync(string kid, CancellationToken ct) => _cache.GetKeyAsync(kid, ct);

    public void Dispose() => _cache.Dispose();

    /// <summary>Logs the cache's lines under the support category, so operators can tell the two JWKS apart.</summary>
    private sealed class CategoryLogger(ILogger inner) : ILogger<JwksCache>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
