using System.Security.Cryptography;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Connections.OAuth;

/// <summary>
/// Access tokens of OAuth 2.0 connections, cached in memory only, keyed by tenant + connection and valid for one
/// connection revision. A token is refreshed before it expires (skew); refresh is single-flight: every caller
/// that needs a token while a refresh is in flight awaits that same refresh. Failures are not cached, except that a
/// 429/5xx with <c>Retry-After</c> (at most <see cref="OAuthTokenClient.MaxRetryAfter"/>) fails the revision's callers
/// without a request until then.
/// </summary>
internal sealed partial class OAuthTokenProvider(
    ConnectionService connections, RotatedRefreshTokens rotated, OAuthTokenClient client, TimeProvider time, ILogger<OAuthTokenProvider> logger,
    OAuthTokenSlots? slots = null)
{
    /// <summary>Refresh this long before expiry (at most half the token's lifetime).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(60);

    /// <summary>Assumed lifetime when the server sends no <c>expires_in</c>.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(10);

    // Shared with ConnectionService and TenantService (through ITenantCredentialCache), which drop a deleted
    // connection's or an uninstalled tenant's slots.
    private readonly OAuthTokenSlots _slots = slots ?? new OAuthTokenSlots();

    /// <summary>A valid access token for the connection, or the failure category of the refresh.</summary>
    public async ValueTask<AccessToken> GetAsync(TenantId tenantId, Connection connection, TimeSpan timeout, CancellationToken ct)
    {
        var slot = _slots.For(tenantId, connection.Id);
        TaskCompletionSource<AccessToken>? mine = null;
        Task<AccessToken> pending;
        while (true)
        {
            Task<AccessToken>? earlier = null;
            lock (slot)
            {
                if (slot.Token is { } cached && cached.Revision == connection.Revision && time.GetUtcNow() < cached.RefreshAt)
                {
                    return new AccessToken(cached.Value, null);
                }

                if (slot.RetryAt is { } retryAt && slot.RetryRevision == connection.Revision && time.GetUtcNow() < retryAt)
                {
                    // The endpoint said when to come back (429/5xx Retry-After): until then every run fails without asking.
                    return new AccessToken(null, ErrorCategories.OAuthTokenUnavailable);
                }

                if (slot.Pending is not null && slot.PendingRevision == connection.Revision)
                {
                    pending = slot.Pending.Task;
                }
                else if (slot.Pending is not null && connection.Auth.Type == AuthTypes.OAuth2RefreshToken)
                {
                    // A refresh of an earlier revision (an edit that kept the secret) is sending the same refresh token:
                    // a second one now would spend it twice (a rotating server refuses one, or revokes the family), and
                    // the rotated token the first one stores is the one to use. Wait for it, then look again.
                    earlier = slot.Pending.Task;
                    pending = earlier;
                }
                else
                {
                    mine = new TaskCompletionSource<AccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
                    (slot.Pending, slot.PendingRevision, pending) = (mine, connection.Revision, mine.Task);
                }
            }

            if (earlier is null)
            {
                break;
            }

            await earlier.WaitAsync(ct);
        }

        if (mine is not null)
        {
            // Not tied to this caller's token: other runs are waiting on the same refresh. The timeout bounds it.
            _ = RefreshAsync(slot, mine, tenantId, connection, timeout);
        }

        return await pending.WaitAsync(ct);
    }

    /// <summary>Drops a token the API refused (401), so the next call fetches a new one.</summary>
    public void Invalidate(TenantId tenantId, string connectionId, string accessToken)
    {
        if (_slots.TryGet(tenantId, connectionId, out var slot))
        {
            lock (slot)
            {
                if (slot.Token?.Value == accessToken)
                {
                    slot.Token = null;
                }
            }
        }
    }

    private async Task RefreshAsync(Slot slot, TaskCompletionSource<AccessToken> mine, TenantId tenantId, Connection connection, TimeSpan timeout)
    {
        AccessToken result;
        CachedToken? token = null;
        TimeSpan? retryAfter = null;
        try
        {
            (result, token, retryAfter) = await FetchAsync(slot, tenantId, connection, timeout);
        }
        catch (Exception e)
        {
            LogCrashed(logger, connection.Id, e.GetType().Name);
            result = new AccessToken(null, ErrorCategories.InternalError);
        }

        lock (slot)
        {
            if (token is not null && (slot.Token is null || slot.Token.Revision <= token.Revision))
            {
                slot.Token = token;
            }

            if (retryAfter is { } wait)
            {
                (slot.RetryAt, slot.RetryRevision) = (time.GetUtcNow() + wait, connection.Revision);
            }
            else if (token is not null && slot.RetryRevision <= token.Revision)
            {
                slot.RetryAt = null;
            }

            if (slot.Pending == mine)
            {
                slot.Pending = null;
            }
        }

        mine.SetResult(result);
    }

    private async Task<(AccessToken, CachedToken?, TimeSpan?)> FetchAsync(Slot slot, TenantId tenantId, Connection connection, TimeSpan timeout)
    {
        TokenGrant grant;
        string? unsaved;
        lock (slot)
        {
            unsaved = slot.Unsaved is { } u && u.Supersedes == connection.SecretCiphertext ? u.RefreshToken : null;
        }

        try
        {
            grant = connection.Auth.Type == AuthTypes.OAuth2RefreshToken
                ? new TokenGrant(await connections.RevealClientSecretAsync(tenantId, connection, CancellationToken.None), unsaved ?? await rotated.RevealAsync(tenantId, connection, CancellationToken.None))
                : new TokenGrant(await connections.RevealSecretAsync(tenantId, connection, CancellationToken.None), null);
        }
        catch (CryptographicException)
        {
            return (new AccessToken(null, ErrorCategories.SecretUnavailable), null, null);
        }

        // expires_in counts from when the server issued the token (RFC 6749 §5.1), at the latest when it answers, so from
        // the request's start: a slow answer must not stretch the lifetime past the token's real expiry.
        var requested = time.GetUtcNow();
        var response = await client.RequestAsync(connection.Auth, grant, timeout, time, CancellationToken.None);
        if (response.AccessToken is null)
        {
            LogFailed(logger, connection.Id, response.Category!, response.StatusCode);
            return (new AccessToken(null, response.Category), null, response.RetryAfter);
        }

        // A new rotation, or one an earlier refresh could not store: the server may already have retired the token it
        // replaced, so a rotation that is lost here would leave the connection with a dead refresh token.
        var toStore = response.RefreshToken is { } next && next != grant.RefreshToken ? next : unsaved;
        if (grant.RefreshToken is not null && toStore is not null)
        {
            await StoreRotationAsync(slot, tenantId, connection, toStore);
        }

        var lifetime = response.Lifetime ?? DefaultLifetime;
        var skew = lifetime / 2 < MaxSkew ? lifetime / 2 : MaxSkew;
        LogIssued(logger, connection.Id, (long)lifetime.TotalSeconds);
        var issued = new AccessToken(response.AccessToken, null);
        if (await DeletedAsync(slot, tenantId, connection))
        {
            return (issued, null, null); // serves the call that asked (its run read the connection before the delete), cached for no one
        }

        return (issued, new CachedToken(connection.Revision, response.AccessToken, requested + lifetime - skew), null);
    }

    /// <summary>
    /// Whether the connection was deleted since the caller read it (one point read per token fetched): then its delete
    /// already dropped the slot it had (<see cref="OAuthTokenSlots.Forget"/>), and this one, made again by a call that came
    /// after the delete, would hold the new access token for the life of the process; it is dropped too. A store that
    /// cannot answer counts as "not deleted" (the token is cached as before).
    /// </summary>
    private async Task<bool> DeletedAsync(Slot slot, TenantId tenantId, Connection connection)
    {
        try
        {
            if (await connections.GetAsync(tenantId, connection.Id, CancellationToken.None) is not null)
            {
                return false;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }

        _slots.Drop(tenantId, connection.Id, slot);
        return true;
    }

    /// <summary>
    /// Stores a rotated refresh token. A store that refuses the write (throttling, a locked file) must not lose it: the
    /// access token that came with it is still used, and the refresh token is kept in this slot (memory only), used by the
    /// next refresh of the same configured secret and stored again then.
    /// </summary>
    private async Task StoreRotationAsync(Slot slot, TenantId tenantId, Connection connection, string refreshToken)
    {
        try
        {
            await rotated.StoreAsync(tenantId, connection, refreshToken, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (slot)
            {
                slot.Unsaved = new UnsavedRotation(connection.SecretCiphertext, refreshToken);
            }

            LogRotationNotStored(logger, connection.Id, e.GetType().Name);
            return;
        }

        lock (slot)
        {
            if (slot.Unsaved?.RefreshToken == refreshToken || slot.Unsaved?.Supersedes != connection.SecretCiphertext)
            {
                slot.Unsaved = null;
            }
        }

        LogRotated(logger, connection.Id);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAuth refresh token of connection {ConnectionId} rotated but not stored ({ExceptionType}); kept in memory and stored again at the next refresh")]
    private static partial void LogRotationNotStored(ILogger logger, string connectionId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth token for connection {ConnectionId} obtained, valid {LifetimeSeconds} s")]
    private static partial void LogIssued(ILogger logger, string connectionId, long lifetimeSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "OAuth refresh token of connection {ConnectionId} rotated and stored encrypted")]
    private static partial void LogRotated(ILogger logger, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OAuth token request for connection {ConnectionId} failed: {Category} (HTTP {StatusCode})")]
    private static partial void LogFailed(ILogger logger, string connectionId, string category, int? statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "OAuth token refresh for connection {ConnectionId} crashed with {ExceptionType}")]
    private static partial void LogCrashed(ILogger logger, string connectionId, string exceptionType);

    internal sealed class Slot
    {
        public CachedToken? Token { get; set; }
        public TaskCompletionSource<AccessToken>? Pending { get; set; }
        public int PendingRevision { get; set; }
        public DateTimeOffset? RetryAt { get; set; }
        public int RetryRevision { get; set; }

        /// <summary>A rotated refresh token the store refused, with the configured secret (ciphertext) it supersedes.</summary>
        public UnsavedRotation? Unsaved { get; set; }
    }

    internal sealed record UnsavedRotation(string? Supersedes, string RefreshToken)
    {
        /// <summary>Never prints the token.</summary>
        public override string ToString() => "UnsavedRotation { *** }";
    }

    internal sealed record CachedToken(int Revision, string Value, DateTimeOffset RefreshAt);
}

/// <summary>An access token, or why there is none (an <see cref="ErrorCategories"/> value).</summary>
internal readonly record struct AccessToken(string? Value, string? Category)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() => Value is null ? $"AccessToken {{ Category = {Category} }}" : "AccessToken { *** }";
}
