using BluBees.Engine.Crypto;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Cli.Operator;

/// <summary>
/// <c>blubees keys rotate [--retire]</c>. Local key ring: adds a key and makes it current; KMS: the configured
/// key (<c>Keys:KmsKeyId</c>) is the target and KMS re-wraps server-side (ReEncrypt). Then every tenant's data
/// key is re-wrapped under the target, and every tenant's <c>KEY</c> item is read back to prove that none is
/// wrapped by anything else. Only then does <c>--retire</c> drop the old local keys. Data keys do not change,
/// so no secret has to be re-encrypted and running backends keep working.
/// </summary>
internal sealed class KeyRotation(IServiceProvider services, TextWriter output)
{
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
        if (retire)
        {
            Retire(ring);
        }

        return 0;
    }

    private void Retire(LocalKeyRing? ring)
    {
        if (ring is null)
        {
            output.WriteLine("--retire: KMS keeps its key material; disable or schedule deletion of a replaced KMS key yourself once this check has passed.");
            return;
        }

        var removed = ring.RetireOldKeys();
        output.WriteLine($"retired {removed} old local key(s); {ring.FilePath} now holds only {string.Join(", ", ring.KeyIds)}");
    }
}
