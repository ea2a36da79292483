using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Egress;
using BluBees.Engine.Names;
using BluBees.Engine.Storage;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Connections;

/// <summary>Connections of one tenant. Secrets go in encrypted and never come out through this API.</summary>
public sealed class ConnectionService(
    IStore store, SecretCipher cipher, TimeProvider time, IOptions<EgressOptions> egress, Tenancy.ITenantCredentialCache? credentials = null,
    ConnectionReadCache? reads = null)
{
    public const int MaxConnectionsPerTenant = 200;
    private const string NameKind = "connection";
    private readonly NameClaims _names = new(store, time);

    /// <summary>
    /// The tenant's connections for the admin routes and a rule's save (which ones exist, their names, create's count):
    /// read tolerantly, so one a later build wrote (a member this build does not know: a rollback) is listed, not a
    /// 500 for the list and every rule save of the tenant. A step reads its connection strictly (<see cref="GetAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<Connection>> ListAsync(TenantId tenantId, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.ConnectionPrefix) { Limit = MaxConnectionsPerTenant }, ct);
        return [.. page.Items.Select(i => StoredJson.ReadTolerant<Connection>(i.Data)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>One connection for the admin routes (view, delete, name checks): read tolerantly, as <see cref="ListAsync"/>.</summary>
    public async Task<Connection?> GetForAdminAsync(TenantId tenantId, string id, CancellationToken ct)
        => await GetItemAsync(tenantId, id, ct) is { } item ? StoredJson.ReadTolerant<Connection>(item.Data) : null;

    private async Task<StoreItem?> GetItemAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(id))
        {
            return null;
        }

        var item = await store.ForTenant(tenantId).GetAsync(Keys.Connection(id), ct);
        return item;
    }

    /// <summary>
    /// One connection, read strictly (a step's read: one a later build wrote is not used other than as saved). One that
    /// is a JSON object this build cannot read throws <see cref="ConnectionSavedByNewerVersionException"/> (the step fails
    /// <c>connection_saved_by_newer_version</c>; before, <c>internal_error</c>); one that is not JSON at all still throws
    /// as a damaged store.
    /// </summary>
    public async Task<Connection?> GetAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (await GetItemAsync(tenantId, id, ct) is not { } item)
        {
            return null;
        }

        if (reads?.Find(tenantId, id, item.Data) is { } known)
        {
            return known;
        }

        try
        {
            var connection = StoredJson.Read<Connection>(item.Data);
            reads?.Keep(tenantId, id, item.Data, connection);
            return connection;
        }
        catch (System.Text.Json.JsonException) when (StoredJson.IsJsonObject(item.Data))
        {
            throw new ConnectionSavedByNewerVersionException(id);
        }
    }

    public async Task<Outcome<Connection>> CreateAsync(TenantId tenantId, ConnectionInput input, CancellationToken ct)
    {
        var errors = ConnectionValidator.Validate(input, hasStoredSecret: false, egress.Value);
        if (!errors.IsEmpty)
        {
            return Outcome<Connection>.Invalid(errors);
        }

        var all = await ListAsync(tenantId, ct);
        if (all.Count >= MaxConnectionsPerTenant)
        {
            return Outcome<Connection>.Conflict($"A tenant may have at most {MaxConnectionsPerTenant} connections.");
        }

        if (all.FirstOrDefault(c => UniqueNames.Same(c.Name, input.Name)) is { } namesake)
        {
            return UniqueNames.Conflict<Connection>("connection", namesake.Id);
        }

        var id = Ids.New("conn");
        if (await _names.ClaimAsync(tenantId, NameKind, input.Name!, id, (c, t) => NameOfAsync(tenantId, c, t), ct) is { } holder)
        {
            return UniqueNames.Conflict<Connection>("connection", holder); // the same name, saved at the same moment
        }

        var now = time.GetUtcNow();
        var connection = new Connection(id, input.Name!.Trim(), input.BaseUrl!.Trim(), Normalize(input.Auth!), await EncryptAsync(tenantId, id, input, ct), now, now)
        {
            Provider = input.Provider,
            Revision = 1,
            ClientSecretCiphertext = await EncryptClientSecretAsync(tenantId, id, input, ct),
            Resilience = input.Resilience,
        };
        await store.ForTenant(tenantId).PutAsync(Keys.Connection(id), StoredJson.Write(connection), ct);

        // Counted again after the write (TenantLimit): creates sent at once all passed the count above. Nothing uses
        // the new id yet (its 201 is not sent), so taking it back deletes it, its secret and its name's claim.
        if (await TenantLimit.ExceededAsync(store, tenantId, Keys.ConnectionPrefix, MaxConnectionsPerTenant))
        {
            await DeleteAsync(tenantId, id, CancellationToken.None);
            return Outcome<Connection>.Conflict($"A tenant may have at most {MaxConnectionsPerTenant} connections.");
        }

        return Outcome<Connection>.Ok(connection);
    }

    /// <summary>
    /// Saves an edit. With <paramref name="baseRevision"/> (the <see cref="ConnectionView.Revision"/> the editor opened),
    /// a connection saved by someone else since then is refused (409, <c>reason</c> <c>connection_changed</c>,
    /// <c>currentRevision</c>, <c>errors.baseRevision</c>) and nothing is written, instead of being overwritten unseen.
    /// The comparison is made on the item read here, and the write is conditional on that item's store revision
    /// (<see cref="IStore.PutIfRevisionAsync"/>: SQLite <c>UPDATE … WHERE revision = @r</c>, a DynamoDB condition
    /// expression), so a save that lands between the two fails the write and is refused the same way.
    /// </summary>
    public async Task<Outcome<Connection>> UpdateAsync(TenantId tenantId, string id, ConnectionInput input, CancellationToken ct, int? baseRevision = null)
    {
        if (!Ids.IsWellFormed(id) || await store.ForTenant(tenantId).GetAsync(Keys.Connection(id), ct) is not { } item)
        {
            return Outcome<Connection>.NotFound($"Connection '{Ids.Shown(id)}' does not exist.");
        }

        var (existing, laterBuild) = ReadForEdit(item.Data);
        if (baseRevision is { } opened && opened != existing.Revision)
        {
            return ChangedElsewhere(existing.Revision, opened);
        }

        // A secret is only kept while it still means the same thing: same auth type, a base URL inside the one it was
        // given for (its CredentialScope: same origin, at or below its path; a /v1/teamA key is not lent to /v1/teamB
        // or to the whole host by an edit that never saw it), and, for OAuth 2.0, the same token endpoint origin, where
        // the client secret or refresh token is sent. One a later build stored (a rollback) may mean something this
        // build cannot tell: it must be given again (a 400 naming it).
        var sameMeaning = !laterBuild
            && existing.Auth.Type == input.Auth?.Type
            && WithinScope(existing.BaseUrl, input.BaseUrl)
            && (!AuthTypes.IsOAuth2(existing.Auth.Type) || SameOrigin(existing.Auth.TokenUrl ?? "", input.Auth?.TokenUrl));
        var keepSecret = existing.SecretCiphertext is not null && sameMeaning;
        var errors = ConnectionValidator.Validate(input, keepSecret, egress.Value);
        if (!errors.IsEmpty)
        {
            return Outcome<Connection>.Invalid(errors);
        }

        // Only a changed name is checked, so a duplicate stored before names were unique can still be saved and
        // renamed. The list finds names stored before claims existed; the claim settles two saves at once.
        var renamed = !UniqueNames.Same(existing.Name, input.Name);
        if (renamed && ((await ListAsync(tenantId, ct)).FirstOrDefault(c => c.Id != id && UniqueNames.Same(c.Name, input.Name))?.Id
            ?? await _names.ClaimAsync(tenantId, NameKind, input.Name!, id, (c, t) => NameOfAsync(tenantId, c, t), ct)) is { } namesake)
        {
            return UniqueNames.Conflict<Connection>("connection", namesake);
        }

        var ciphertext = string.IsNullOrEmpty(input.Secret)
            ? input.Auth!.Type == AuthTypes.None ? null : existing.SecretCiphertext
            : await EncryptAsync(tenantId, id, input, ct);
        var updated = existing with
        {
            Name = input.Name!.Trim(),
            BaseUrl = input.BaseUrl!.Trim(),
            Auth = Normalize(input.Auth!),
            SecretCiphertext = ciphertext,
            Provider = input.Provider,
            ClientSecretCiphertext = input.Auth!.Type != AuthTypes.OAuth2RefreshToken ? null
                : string.IsNullOrEmpty(input.ClientSecret) ? (sameMeaning ? existing.ClientSecretCiphertext : null)
                : await EncryptClientSecretAsync(tenantId, id, input, ct),
            Resilience = input.Resilience,
            Revision = existing.Revision + 1,
            UpdatedAt = time.GetUtcNow(),
        };
        // Conditional on the revision read: a delete answered 204 meanwhile must not be undone by this write (the
        // connection and its secret brought back), and two edits must not both answer 200 as the same revision.
        if (!await store.ForTenant(tenantId).PutIfRevisionAsync(Keys.Connection(id), StoredJson.Write(updated), item.Revision, ct))
        {
            // The secrets this edit sealed were never stored: their shares go.
            await cipher.ForgetAsync(tenantId, Replaced(updated, existing), CancellationToken.None);
            return await RefusedEditAsync(tenantId, id, renamed, input.Name!, baseRevision, ct);
        }

        if (renamed)
        {
            await _names.ReleaseAsync(tenantId, NameKind, existing.Name, id, CancellationToken.None);
        }

        // A refresh token the server rotated supersedes the configured secret it was rotated from, and only that one:
        // once the secret is replaced or dropped (or the connection is no longer an OAuth 2.0 refresh one) it is a
        // leftover credential. Deleted after the connection's write: a run storing a rotation meanwhile reads the
        // connection back and takes its own write back (RotatedRefreshTokens.StoreAsync).
        var removedRotation = false;
        string? rotation = null;
        if (existing.SecretCiphertext != updated.SecretCiphertext || updated.Auth.Type != AuthTypes.OAuth2RefreshToken)
        {
            rotation = (await store.ForTenant(tenantId).GetAsync(Keys.RotatedRefreshToken(id), CancellationToken.None))?.Data;
            removedRotation = await store.ForTenant(tenantId).DeleteAsync(Keys.RotatedRefreshToken(id), CancellationToken.None);
        }

        // A replaced or dropped secret loses its share: an old copy of the database no longer opens it (docs/security.md).
        await cipher.ForgetAsync(tenantId, [.. Replaced(existing, updated), removedRotation ? rotation : null], CancellationToken.None);

        // A secret replaced or dropped (a rotated or leaked credential) must not stay readable in the store's files.
        if (removedRotation
            || existing.SecretCiphertext is { } oldSecret && oldSecret != updated.SecretCiphertext
            || existing.ClientSecretCiphertext is { } oldClientSecret && oldClientSecret != updated.ClientSecretCiphertext)
        {
            await ResidueErasure.AfterDeleteAsync(store);
        }

        return Outcome<Connection>.Ok(updated);
    }

    public async Task<bool> DeleteAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(id))
        {
            return false;
        }

        var existingItem = await GetItemAsync(tenantId, id, ct);
        var existing = existingItem is null ? null : StoredJson.ReadTolerant<Connection>(existingItem.Data);
        var partition = store.ForTenant(tenantId);
        var token = (await partition.GetAsync(Keys.RotatedRefreshToken(id), ct))?.Data;
        // The rotated refresh token, then the connection, then the token again: a process killed between two deletes
        // leaves no credential without its connection; a run storing a rotated token meanwhile reads the connection
        // back and takes its write back, and the last delete removes one stored between the first two. A delete
        // retried after such a kill (the connection already gone: 404) still removes the token and erases.
        var removedToken = await partition.DeleteAsync(Keys.RotatedRefreshToken(id), ct);
        // Once the connection's delete is sent it may be applied (DynamoDB applies a DeleteItem whose caller gave up),
        // and then the admin has nothing left to retry, so from here on nothing stops for a caller that went away: the
        // connection, the token again, the name and the erasure of the secrets' residue. Before, the connection's own
        // delete ran on the request's token: a caller gone while it was in flight left a rotated token stored meanwhile.
        // Deleted as read (again when an edit replaced it meanwhile): the secrets it held when deleted lose their shares.
        var deletedItem = await partition.DeleteAsReadAsync(Keys.Connection(id), existingItem, CancellationToken.None);
        var deleted = deletedItem is not null;
        var lateToken = (await partition.GetAsync(Keys.RotatedRefreshToken(id), CancellationToken.None))?.Data;
        removedToken |= await partition.DeleteAsync(Keys.RotatedRefreshToken(id), CancellationToken.None);
        credentials?.Forget(tenantId, id); // its access token (and a rotated refresh token not yet stored) held in memory
        // Its secrets' shares: no old copy of the database opens them any more (docs/security.md).
        await cipher.ForgetAsync(tenantId, [existingItem?.Data, deletedItem?.Data, token, lateToken], CancellationToken.None);
        if (existing is not null)
        {
            await _names.ReleaseAsync(tenantId, NameKind, existing.Name, id, CancellationToken.None);
        }

        if (deleted || removedToken)
        {
            await ResidueErasure.AfterDeleteAsync(store); // its secrets' ciphertext must not stay in the store's files
        }

        return deleted;
    }

    /// <summary>The ciphertexts of <paramref name="from"/> that <paramref name="to"/> no longer holds.</summary>
    private static string?[] Replaced(Connection from, Connection to) =>
    [
        from.SecretCiphertext != to.SecretCiphertext ? from.SecretCiphertext : null,
        from.ClientSecretCiphertext != to.ClientSecretCiphertext ? from.ClientSecretCiphertext : null,
    ];

    /// <summary>An edit whose write lost to a delete (404) or to another edit (409); a name it claimed is given back.</summary>
    private async Task<Outcome<Connection>> RefusedEditAsync(TenantId tenantId, string id, bool renamed, string name, int? baseRevision, CancellationToken ct)
    {
        var current = await GetForAdminAsync(tenantId, id, ct);
        if (renamed && (current is null || !UniqueNames.Same(current.Name, name)))
        {
            await _names.ReleaseAsync(tenantId, NameKind, name, id, CancellationToken.None);
        }

        return current is null
            ? Outcome<Connection>.NotFound($"Connection '{Ids.Shown(id)}' was deleted at the same time.")
            : ChangedElsewhere(current.Revision, baseRevision);
    }

    /// <summary>
    /// The 409 of an edit based on a revision that is no longer the current one (named in <c>errors.baseRevision</c> when
    /// the caller sent one; an edit without it lost a race to another save). Never the connection's content.
    /// </summary>
    private static Outcome<Connection> ChangedElsewhere(int currentRevision, int? baseRevision)
    {
        var extra = new Dictionary<string, object?> { ["reason"] = "connection_changed", ["currentRevision"] = currentRevision };
        if (baseRevision is not { } opened)
        {
            return Outcome<Connection>.Conflict("The connection was changed at the same time; reload and try again. Nothing was saved.", extra);
        }

        var errors = new ValidationErrors();
        errors.Add("baseRevision", $"is {opened}, but the connection is now at revision {currentRevision}: someone else saved it since");
        return new Outcome<Connection>(OutcomeKind.Conflict, null, errors,
            $"This connection was saved as revision {currentRevision} after revision {opened} was opened here, so saving would replace that change unseen. Nothing was saved.",
            extra);
    }

    private async Task<string?> NameOfAsync(TenantId tenantId, string id, CancellationToken ct) => (await GetForAdminAsync(tenantId, id, ct))?.Name;

    /// <summary>The stored connection an edit starts from; <c>LaterBuild</c> when a later build wrote it (read tolerantly then).</summary>
    private static (Connection Connection, bool LaterBuild) ReadForEdit(string data)
    {
        try
        {
            return (StoredJson.Read<Connection>(data), false);
        }
        catch (System.Text.Json.JsonException)
        {
            return (StoredJson.ReadTolerant<Connection>(data), true);
        }
    }

    /// <summary>
    /// Decrypts the connection's secret. Only <see cref="Credentials.CredentialSource"/> (which turns it into the
    /// credential to send) and the OAuth 2.0 token machinery call this; steps ask the credential source.
    /// </summary>
    internal Task<string> RevealSecretAsync(TenantId tenantId, Connection connection, CancellationToken ct)
        => cipher.DecryptAsync(tenantId, SecretRecordId(connection.Id), connection.SecretCiphertext!, ct);

    /// <summary>
    /// Decrypts the optional OAuth 2.0 client secret of a refresh-token connection: for the OAuth token machinery and
    /// the operator's backup export only (public because the CLI assembly needs it); steps use the credential source.
    /// </summary>
    public async Task<string?> RevealClientSecretAsync(TenantId tenantId, Connection connection, CancellationToken ct)
        => connection.ClientSecretCiphertext is null ? null
            : await cipher.DecryptAsync(tenantId, ClientSecretRecordId(connection.Id), connection.ClientSecretCiphertext, ct);

    public static string SecretRecordId(string connectionId) => "connection/" + connectionId;

    public static string ClientSecretRecordId(string connectionId) => "connection/" + connectionId + "/client-secret";

    private async Task<string?> EncryptClientSecretAsync(TenantId tenantId, string id, ConnectionInput input, CancellationToken ct)
        => string.IsNullOrEmpty(input.ClientSecret) || input.Auth!.Type != AuthTypes.OAuth2RefreshToken
            ? null
            : await cipher.SealSecretAsync(tenantId, ClientSecretRecordId(id), input.ClientSecret, ct);

    private async Task<string?> EncryptAsync(TenantId tenantId, string id, ConnectionInput input, CancellationToken ct)
        => string.IsNullOrEmpty(input.Secret) || input.Auth!.Type == AuthTypes.None
            ? null
            : await cipher.SealSecretAsync(tenantId, SecretRecordId(id), input.Secret, ct);

    private static ConnectionAuth Normalize(ConnectionAuth auth) => auth.Type switch
    {
        AuthTypes.ApiKey => new ConnectionAuth { Type = auth.Type, In = auth.In, Name = auth.Name },
        AuthTypes.Basic => new ConnectionAuth { Type = auth.Type, Username = auth.Username },
        AuthTypes.OAuth2ClientCredentials or AuthTypes.OAuth2RefreshToken => new ConnectionAuth
        {
            Type = auth.Type,
            TokenUrl = auth.TokenUrl!.Trim(),
            ClientId = auth.ClientId!.Trim(),
            Scope = string.IsNullOrWhiteSpace(auth.Scope) ? null : auth.Scope.Trim(),
            ClientAuth = auth.ClientAuth ?? "body",
        },
        _ => new ConnectionAuth { Type = auth.Type },
    };

    private static bool WithinScope(string existing, string? next)
        => CredentialScope.Of(existing) is { } scope && Uri.TryCreate(next?.Trim(), UriKind.Absolute, out var url) && scope.Covers(url);

    private static bool SameOrigin(string a, string? b)
        => Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
        && Uri.Compare(x, y, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
