using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections.OAuth;

/// <summary>
/// A refresh token the server rotated, stored encrypted beside (not inside) its connection, so the write never
/// races an admin's edit of the connection. It supersedes exactly one configured secret: when the admin sets a
/// new refresh token, the rotated one no longer applies; edits that keep the secret keep using it.
/// </summary>
public sealed class RotatedRefreshTokens(IStore store, SecretCipher cipher)
{
    /// <summary>The refresh token to use: the rotated one when it supersedes the connection's current secret.</summary>
    public async Task<string> RevealAsync(TenantId tenantId, Connection connection, CancellationToken ct)
    {
        var item = await store.ForTenant(tenantId).GetAsync(Keys.RotatedRefreshToken(connection.Id), ct);
        // Read tolerantly: what it holds (the token, and which configured secret it replaces) is used as stored, and where
        // the token goes and what it allows is the connection's (read strictly). A rotation a later build wrote must still
        // be used: the configured token it supersedes may be dead (or, sent again, revoke the grant); before, the strict
        // read threw and every refresh failed internal_error.
        if (item is not null && StoredJson.ReadTolerant<StoredRotation>(item.Data) is var rotation && rotation.Supersedes == Fingerprint(connection.SecretCiphertext!))
        {
            return await cipher.DecryptAsync(tenantId, RecordId(connection.Id), rotation.Ciphertext, ct);
        }

        return await cipher.DecryptAsync(tenantId, ConnectionService.SecretRecordId(connection.Id), connection.SecretCiphertext!, ct);
    }

    /// <summary>
    /// Encrypts and stores a refresh token returned by the token endpoint, unless the connection (or its tenant) was
    /// deleted while the token was being fetched: a run in flight outlives an uninstall or a connection delete, and
    /// the rotated token is a live credential. Without a data key nothing is written (and no key is created); a
    /// delete that lands between the encrypt and the write is seen by reading the connection back after the write,
    /// which then takes the write back and erases its residue (the connection delete removes the connection first,
    /// then this item, so one of the two always removes it).
    /// </summary>
    public async Task StoreAsync(TenantId tenantId, Connection connection, string refreshToken, CancellationToken ct)
    {
        if (await cipher.SealSecretIfKeyExistsAsync(tenantId, RecordId(connection.Id), refreshToken, ct) is not { } ciphertext)
        {
            return;
        }

        var partition = store.ForTenant(tenantId);
        var rotation = new StoredRotation(Fingerprint(connection.SecretCiphertext!), ciphertext);
        var previous = (await partition.GetAsync(Keys.RotatedRefreshToken(connection.Id), ct))?.Data;
        await partition.PutAsync(Keys.RotatedRefreshToken(connection.Id), StoredJson.Write(rotation), ct);
        if (await partition.GetAsync(Keys.Connection(connection.Id), CancellationToken.None) is not { } current
            || StoredJson.ReadTolerant<Connection>(current.Data).SecretCiphertext != connection.SecretCiphertext)
        {
            await partition.DeleteAsync(Keys.RotatedRefreshToken(connection.Id), CancellationToken.None);
            await ResidueErasure.AfterDeleteAsync(store);
            await cipher.ForgetAsync(tenantId, [previous, ciphertext], CancellationToken.None);
        }
        else if (previous is not null)
        {
            // The token it replaced is a credential as well (not every server revokes it at once), still opened by
            // the live data key: no copy may stay in the store's files (SQLite's WAL), as for a replaced secret, nor
            // open from an old copy of them (its share goes).
            await ResidueErasure.AfterDeleteAsync(store);
            await cipher.ForgetAsync(tenantId, [previous], CancellationToken.None);
        }
    }

    public static string RecordId(string connectionId) => "connection/" + connectionId + "/rotated-refresh-token";

    // A hash of the configured ciphertext (not of the secret): identifies which configured secret was rotated.
    private static string Fingerprint(string ciphertext) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ciphertext)));

    private sealed record StoredRotation(string Supersedes, string Ciphertext);
}
