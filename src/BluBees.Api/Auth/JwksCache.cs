using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// The signing keys of the token issuer. Fetched lazily, cached, and refetched on an unknown <c>kid</c> at
/// most once per cooldown: a flood of tokens with invented kids costs at most one fetch per interval. When
/// refreshes fail, the last keys stay trusted for <see cref="ForgeOptions.JwksMaxStaleSeconds"/> past their cache
/// lifetime, then no longer (fail closed).
/// </summary>
internal sealed partial class JwksCache(IHttpClientFactory httpClientFactory, IOptions<ForgeOptions> options, TimeProvider time, ILogger<JwksCache> logger) : IJwksSource, IDisposable
{
    public const string HttpClientName = "jwks";

    /// <summary>
    /// The largest JWKS document read (1 MiB; Atlassian's holds a few keys, a few KB, and at most 50 keys are read).
    /// Without it the fetch buffered up to HttpClient's default 2 GB within its 5 s timeout: a broken or hostile
    /// endpoint streaming a huge body cost that much memory on every fetch.
    /// </summary>
    public const int MaxDocumentBytes = 1024 * 1024;
    private readonly Lock _gate = new();
    private Task _fetch = Task.CompletedTask;
    private volatile IReadOnlyDictionary<string, RSA> _keys = new Dictionary<string, RSA>();
    private DateTimeOffset _lastFetchAttempt = DateTimeOffset.MinValue;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;
    private int _fetchCount;

    /// <summary>How many fetches were attempted (observable by tests and metrics).</summary>
    public int FetchCount => Volatile.Read(ref _fetchCount);

    public async ValueTask<RSA?> GetKeyAsync(string kid, CancellationToken ct)
    {
        var opts = options.Value;
        var now = time.GetUtcNow();
        var stale = now - _fetchedAt > TimeSpan.FromSeconds(opts.JwksCacheSeconds);
        if (!stale && _keys.TryGetValue(kid, out var key))
        {
            return key;
        }

        // One fetch for every caller, whoever's request started it: it runs on its own deadline (the client's 5 s
        // timeout), never on the request that started it. Before, the fetch ran on that request's token, so a caller
        // who sent a token with an invented kid and hung up at once cancelled it: the cooldown began with no keys
        // fetched, and every tenant's tokens (a cold start, a key Forge rotated in) were refused until the next
        // fetch, which the same caller could cancel again. Each caller waits for it on its own token only.
        Task fetch;
        var started = false;
        lock (_gate)
        {
            now = time.GetUtcNow();
            if (now - _lastFetchAttempt >= TimeSpan.FromSeconds(opts.JwksRefreshCooldownSeconds))
            {
                _lastFetchAttempt = now;
                _fetch = Task.Run(() => FetchAsync(opts.JwksUrl), CancellationToken.None);
                started = true;
            }

            fetch = _fetch;
        }

        // In the cooldown ("a fetch is under way" included), a key we do not hold yet may be the one the fetch
        // brings: wait for it instead of refusing the token. Without this, every request that arrived during a cold
        // start's first fetch was answered 401 (the bench's default-limits phase saw 4–28 of 1,000). Waiting adds no
        // fetch, so a flood of invented kids still costs at most one per cooldown.
        if (!fetch.IsCompleted && (started || !_keys.ContainsKey(kid)))
        {
            await fetch.WaitAsync(ct);
        }

        return Trusted(kid, opts);
    }

    /// <summary>The key, unless the keys are older than their lifetime plus the stale allowance (every refresh since failed).</summary>
    private RSA? Trusted(string kid, ForgeOptions opts)
        => time.GetUtcNow() - _fetchedAt > TimeSpan.FromSeconds((long)opts.JwksCacheSeconds + opts.JwksMaxStaleSeconds)
            ? null
            : _keys.GetValueOrDefault(kid);

    public void Dispose()
    {
        // Nothing to release: a fetch still under way ends on its own timeout.
    }

    private async Task FetchAsync(string url)
    {
        Interlocked.Increment(ref _fetchCount);
        var ct = CancellationToken.None; // the client's timeout bounds it (see GetKeyAsync)
        try
        {
            using var client = httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(url, ct);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var doc = await JsonDocument.ParseAsync(stream, new JsonDocumentOptions { MaxDepth = 8 }, ct);
            _keys = JwksParser.Parse(doc.RootElement);
            _fetchedAt = time.GetUtcNow();
            LogFetched(logger, _keys.Count);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException or FormatException or CryptographicException)
        {
            // Keep the previous keys; the next attempt waits for the cooldown.
            LogFetchFailed(logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched JWKS with {KeyCount} RS256 keys")]
    private static partial void LogFetched(ILogger logger, int keyCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "JWKS fetch failed: {ErrorType}")]
    private static partial void LogFetchFailed(ILogger logger, string errorType);
}

/// <summary>Where verification keys come from: the issuer's JWKS, or the development issuer in-process.</summary>
internal interface IJwksSource
{
    ValueTask<RSA?> GetKeyAsync(string kid, CancellationToken ct);
}
