using BluBees.Engine.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Cli.Operator;

/// <summary>
/// <c>blubees keys rotate [--retire]</c>. Local key ring: adds a key and makes it current; KMS: the configured
/// key (<c>Keys:KmsKeyId</c>) is the target and KMS re-wraps server-side (ReEncrypt). Then every tenant's data
/// key is re-wrapped under the target, and every tenant's <c>KEY</c> item is read back to prove that none is
/// wrapped by anything else. Only then does <c>--retire</c> drop the old local keys. Data keys do not change,
/// so no secret has to be re-encrypted and running backends keep working (they re-read the ring file before every
/// wrap and on an unknown key id, see <see cref="LocalKeyRing"/>).
/// <para>
/// Retiring (<c>--retire</c>, or <c>blubees keys retire</c> on its own) refuses while any tenant's data key is
/// wrapped by a key other than the ring's current one: it lists the directory partition afresh (a tenant created
/// by a running backend during the rotation is included), checks every <c>KEY</c> item, waits a grace period (a
/// backend that read the ring just before the rotation finishes writing and re-wraps within it), checks again,
/// and only then removes the old keys.
/// </para>
/// </summary>
internal sealed class KeyRotation(IServiceProvider services, TextWriter output)
{
    /// <summary>How long retiring waits between its two checks.</summary>
    internal static TimeSpan RetireGrace { get; set; } = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(bool retire, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<KeyOptions>>().Value;
        var keys = services.GetRequiredService<TenantKeyService>();
        var provider = services.GetRequiredService<IKeyEncryptionProvider>();
        var ring = options.Provider == KeyProviderKind.LocalFile ? services.GetRequiredService<LocalKeyRing>() : null;
        var tenants = await OperatorHost.TenantIdsAsync(services, ct);

        var expected = new HashSet<string>(StringComparer.Ordinal);
        if (ring is not null)
        {
            var previous = ring.CurrentKeyId;
            expected.Add(ring.AddAndActivate());
            output.WriteLine($"local key ring {ring.FilePath}: new key {ring.CurrentKeyId} is current (was {previous})");
        }
        else
        {
            expected.Add(provider.CurrentKeyId);
            output.WriteLine($"KMS: re-wrapping under {provider.CurrentKeyId} (ReEncrypt; data keys never leave KMS)");
        }

        for (var i = 0; i < tenants.Count; i++)
        {
            var rewrapped = await keys.ReWrapAsync(tenants[i], ct);
            if (rewrapped && ring is null && await keys.WrappingKeyIdAsync(tenants[i], ct) is { } returned)
            {
                // KMS answers with the key ARN even when the configuration names an alias or a bare key id.
                expected.Add(returned);
            }

            output.WriteLine($"[{i + 1}/{tenants.Count}] {tenants[i]}: {(rewrapped ? "re-wrapped" : "no data key yet, nothing to re-wrap")}");
        }

        var stale = new List<string>();
        var wrapped = 0;
        foreach (var tenant in tenants)
        {
            if (await keys.WrappingKeyIdAsync(tenant, ct) is { } keyId)
            {
                wrapped++;
                if (!expected.Contains(keyId))
                {
                    stale.Add($"{tenant} ({keyId})");
                }
            }
        }

        if (stale.Count > 0)
        {
            output.WriteLine($"check FAILED: {stale.Count} of {wrapped} tenant data keys are still wrapped by another key: {string.Join(", ", stale)}");
            output.WriteLine("Nothing was retired. Run `blubees keys rotate` again (without --retire) once the cause is fixed.");
            return 1;
        }

        output.WriteLine($"check: {wrapped} tenant data keys, all wrapped by {string.Join(" / ", expected)}; none by an old key");
        // The data keys as they were wrapped before must not outlive the rotation in the database files (the WAL),
        // whether or not this process gets to close its store cleanly.
        if (!await keys.EraseReWrappedResidueAsync())
        {
            output.WriteLine("warning: the database's write-ahead log could not be cleared yet (a backend held an old snapshot); "
                + "the data keys as wrapped before stay in it until it is; this command tries again when it closes the database.");
        }

        return retire ? await RetireAsync(ct) : 0;
    }

    /// <summary>Removes the old local keys, or refuses (exit 1) while any tenant's data key still uses one.</summary>
    public async Task<int> RetireAsync(CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<KeyOptions>>().Value;
        if (options.Provider != KeyProviderKind.LocalFile)
        {
            output.WriteLine("retire: KMS keeps its key material; disable or schedule deletion of a replaced KMS key yourself once the rotation check has passed.");
            return 0;
        }

        var ring = services.GetRequiredService<LocalKeyRing>();
        var time = services.GetRequiredService<TimeProvider>();
        if (await StillInUseAsync(ring.CurrentKeyId, ct) is { Count: > 0 } first)
        {
            return Refuse(first);
        }

        await Task.Delay(RetireGrace, time, ct);
        var current = ring.CurrentKeyId;
        if (await StillInUseAsync(current, ct) is { Count: > 0 } second)
        {
            return Refuse(second);
        }

        // Only if no other process made another key current since the check (a `keys rotate` re-wrapping from the key
        // checked as current would lose every data key it had not re-wrapped yet).
        if (ring.RetireOldKeys(onlyIfCurrent: current) is not { } removed)
        {
            output.WriteLine($"retire REFUSED: the ring's current key changed during the check (was {current}, now {ring.CurrentKeyId}: another `blubees keys rotate`?).");
            output.WriteLine("Nothing was retired. Run `blubees keys retire` again once that rotation has finished.");
            return 1;
        }

        output.WriteLine($"retired {removed} old local key(s); {ring.FilePath} now holds only {string.Join(", ", ring.KeyIds)}");
        return 0;
    }

    private int Refuse(List<string> inUse)
    {
        output.WriteLine($"retire REFUSED: {inUse.Count} tenant data key(s) are wrapped by a key other than the current one: {string.Join(", ", inUse)}");
        output.WriteLine("Nothing was retired. Run `blubees keys rotate` (without --retire) to re-wrap them, then retire.");
        return 1;
    }

    /// <summary>Every tenant of the directory (listed now) whose data key is wrapped by a key other than <paramref name="current"/>.</summary>
    private async Task<List<string>> StillInUseAsync(string current, CancellationToken ct)
    {
        var keys = services.GetRequiredService<TenantKeyService>();
        var inUse = new List<string>();
        foreach (var tenant in await OperatorHost.TenantIdsAsync(services, ct))
        {
            if (await keys.WrappingKeyIdAsync(tenant, ct) is { } keyId && keyId != current)
            {
                inUse.Add($"{tenant} ({keyId})");
            }
        }

        return inUse;
    }
}
