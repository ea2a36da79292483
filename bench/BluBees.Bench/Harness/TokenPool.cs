namespace BluBees.Bench.Harness;

/// <summary>
/// Pre-minted tokens so that signing (client-side RSA) stays out of the measured loop. Tokens live 5 minutes; the
/// pool re-mints itself when it is older than 4, so a long run never sends an expired token. With several tenants,
/// token <c>i</c> is for tenant <c>i mod tenants</c>, so consecutive events go to the tenants in turn.
/// </summary>
internal sealed class TokenPool(BenchIssuer issuer, IReadOnlyList<string> tenantIds, int size)
{
    public TokenPool(BenchIssuer issuer, string tenantId, int size)
        : this(issuer, [tenantId], size)
    {
    }

    public int Tenants => tenantIds.Count;

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(4);
    private readonly Lock _gate = new();
    private volatile string[] _tokens = [];
    private DateTimeOffset _mintedAt = DateTimeOffset.MinValue;

    public string Get(int index)
    {
        if (Stale)
        {
            lock (_gate)
            {
                if (Stale)
                {
                    var now = DateTimeOffset.UtcNow;
                    _tokens = [.. Enumerable.Range(0, size).Select(i => issuer.Mint(tenantIds[i % tenantIds.Count], now))];
                    _mintedAt = now;
                }
            }
        }

        var tokens = _tokens;
        return tokens[index % tokens.Length];
    }

    private bool Stale => _tokens.Length == 0 || DateTimeOffset.UtcNow - _mintedAt > MaxAge;
}
