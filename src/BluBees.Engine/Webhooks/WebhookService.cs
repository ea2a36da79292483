using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Webhooks;

/// <summary>
/// Incoming webhooks of one tenant. The signing secret is generated here, returned once (create, rotate) and
/// otherwise exists only as ciphertext; a third party's request bodies never pass through this class.
/// </summary>
public sealed class WebhookService(IStore store, SecretCipher cipher, TimeProvider time)
{
    public const int MaxWebhooksPerTenant = 50;
    public const int MaxNameLength = 100;

    /// <summary>
    /// The tenant's webhooks (the admin's list, create's count): read tolerantly, so one a later build wrote (a rollback)
    /// is listed, not a 500. Only names and times of it are shown; the receiver reads a hook strictly (<see cref="GetAsync"/>).
    /// </summary>
    public async Task<IReadOnlyList<Webhook>> ListAsync(TenantId tenantId, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.WebhookPrefix) { Limit = MaxWebhooksPerTenant }, ct);
        return [.. page.Items.Select(i => StoredJson.ReadTolerant<Webhook>(i.Data)).OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>One hook, read strictly (the receiver verifies deliveries with it).</summary>
    public async Task<Webhook?> GetAsync(TenantId tenantId, string id, CancellationToken ct)
        => await GetItemAsync(tenantId, id, ct) is { } item ? StoredJson.Read<Webhook>(item.Data) : null;

    /// <summary>One hook for the admin routes (view, delete): read tolerantly, as <see cref="ListAsync"/>.</summary>
    public async Task<Webhook?> GetForAdminAsync(TenantId tenantId, string id, CancellationToken ct)
        => await GetItemAsync(tenantId, id, ct) is { } item ? StoredJson.ReadTolerant<Webhook>(item.Data) : null;

    public async Task<Outcome<WebhookWithSecret>> CreateAsync(TenantId tenantId, WebhookInput input, CancellationToken ct)
    {
        var errors = Validate(input);
        if (!errors.IsEmpty)
        {
            return Outcome<WebhookWithSecret>.Invalid(errors);
        }

        if ((await ListAsync(tenantId, ct)).Count >= MaxWebhooksPerTenant)
        {
            return Outcome<WebhookWithSecret>.Conflict($"A tenant may have at most {MaxWebhooksPerTenant} webhooks.");
        }

        var id = Ids.New("hook");
        var now = time.GetUtcNow();
        var secret = NewSecret();
        var hook = new Webhook(id, input.Name!.Trim(), await cipher.SealSecretAsync(tenantId, SecretRecordId(id), secret, ct), now, now);
        if (!await store.ForTenant(tenantId).PutIfAbsentAsync(Key(id), StoredJson.Write(hook), ct))
        {
            return Outcome<WebhookWithSecret>.Conflict("A webhook with the same id exists; try again.");
        }

        // Counted again after the write (TenantLimit): creates sent at once all passed the count above.
        if (await TenantLimit.ExceededAsync(store, tenantId, Keys.WebhookPrefix, MaxWebhooksPerTenant))
        {
            await DeleteAsync(tenantId, id, CancellationToken.None);
            return Outcome<WebhookWithSecret>.Conflict($"A tenant may have at most {MaxWebhooksPerTenant} webhooks.");
        }

        return Outcome<WebhookWithSecret>.Ok(WebhookWithSecret.From(hook, secret));
    }

    /// <summary>Replaces the secret; the old one stops working at once.</summary>
    public async Task<Outcome<WebhookWithSecret>> RotateSecretAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (await GetItemAsync(tenantId, id, ct) is not { } item)
        {
            return Outcome<WebhookWithSecret>.NotFound($"Webhook '{Ids.Shown(id)}' does not exist.");
        }

        var secret = NewSecret();
        // Tolerant: the admin's rotate makes a hook a later build wrote (a rollback) this build's, with a new secret.
        var hook = StoredJson.ReadTolerant<Webhook>(item.Data) with
        {
            SecretCiphertext = await cipher.SealSecretAsync(tenantId, SecretRecordId(id), secret, ct),
            SecretRotatedAt = time.GetUtcNow(),
        };
        if (!await store.PutIfRevisionAsync(item with { Data = StoredJson.Write(hook) }, item.Revision, ct))
        {
            await cipher.ForgetAsync(tenantId, [hook.SecretCiphertext], CancellationToken.None); // never stored
            // Lost to a delete (404, as the next request would answer: "reload" would find nothing) or to another rotation.
            return await GetItemAsync(tenantId, id, CancellationToken.None) is null
                ? Outcome<WebhookWithSecret>.NotFound($"Webhook '{Ids.Shown(id)}' does not exist.")
                : Outcome<WebhookWithSecret>.Conflict("The webhook was changed at the same time; reload and try again.");
        }

        await ResidueErasure.AfterDeleteAsync(store); // the old secret must not stay readable in the store's files
        await cipher.ForgetAsync(tenantId, [item.Data], CancellationToken.None); // nor in an old copy of them
        return Outcome<WebhookWithSecret>.Ok(WebhookWithSecret.From(hook, secret));
    }

    public async Task<bool> DeleteAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        // Deleted as read (again when a rotation replaced it meanwhile): the secret it held when deleted loses its share.
        var item = Ids.IsWellFormed(id) ? await GetItemAsync(tenantId, id, ct) : null;
        if (item is null || await store.ForTenant(tenantId).DeleteAsReadAsync(Key(id), item, ct) is not { } deleted)
        {
            return false;
        }

        await ResidueErasure.AfterDeleteAsync(store); // its secret's ciphertext must not stay in the store's files
        await cipher.ForgetAsync(tenantId, [item.Data, deleted.Data], CancellationToken.None); // nor open from an old copy of them
        return true;
    }

    /// <summary>Decrypts the signing secret for one verification. Callers drop it at once.</summary>
    public Task<string> RevealSecretAsync(TenantId tenantId, Webhook hook, CancellationToken ct)
        => cipher.DecryptAsync(tenantId, SecretRecordId(hook.Id), hook.SecretCiphertext, ct);

    /// <summary>
    /// Records a verified delivery (hook + MAC) until <paramref name="expiresAt"/>; false when the same signed
    /// request was already seen (a replay). Only a hash of the MAC is stored, never the body.
    /// </summary>
    public Task<bool> TryRecordDeliveryAsync(TenantId tenantId, string hookId, byte[] mac, DateTimeOffset expiresAt, CancellationToken ct)
        => store.ForTenant(tenantId).PutIfAbsentAsync(
            DeliveryKey(hookId, mac), StoredJson.Write(new DeliveryMarker(time.GetUtcNow())), expiresAt.ToUnixTimeSeconds(), ct);

    public static string SecretRecordId(string webhookId) => "webhook/" + webhookId;

    private async Task<StoreItem?> GetItemAsync(TenantId tenantId, string id, CancellationToken ct)
        => Ids.IsWellFormed(id) ? await store.ForTenant(tenantId).GetAsync(Key(id), ct) : null;

    private static string Key(string id) => Keys.Webhook(id);

    /// <summary>
    /// A verified delivery's de-duplication key (hook + a hash of the MAC): the ingress's marker under it is the
    /// delivery's replay record, written with the queued message (one SQLite transaction).
    /// </summary>
    public static string DeliveryDedupKey(string hookId, byte[] mac)
        => "hook-" + Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(hookId + "\n"), .. mac]));

    private static string DeliveryKey(string hookId, byte[] mac) => Keys.Dedup(DeliveryDedupKey(hookId, mac));

    private static string NewSecret()
    {
        var bytes = RandomNumberGenerator.GetBytes(32);
        try
        {
            return Base64Url.EncodeToString(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static ValidationErrors Validate(WebhookInput input)
    {
        var errors = new ValidationErrors();
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors.Add("name", "is required");
        }
        else if (name.Length > MaxNameLength || DisplayText.HasUnsafeCharacters(name))
        {
            errors.Add("name", $"must be at most {MaxNameLength} characters without control or text-direction characters");
        }

        return errors;
    }

    private sealed record DeliveryMarker(DateTimeOffset ReceivedAt);
}
