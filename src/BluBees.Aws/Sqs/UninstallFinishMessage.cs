using System.Text.Json;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The run queue's second, closed kind of message: "finish the uninstall of tenant X", sent by the API when an
/// uninstall's erase is refused part way (<see cref="Engine.Tenancy.IUninstallFinishQueue"/>). The body is exactly
/// <c>{"kind":"finish-uninstall","tenant":"&lt;installationId&gt;"}</c>: the tenant id, which every run message carries in
/// clear too, and nothing else. It is never a run (no run record, no rule), and it grants nothing: the worker erases
/// only a tenant whose installation is still marked uninstalled (<see cref="Engine.Tenancy.TenantService.FinishUninstallAsync"/>),
/// so a copy, a late one, or one not sent by us can do no more than that uninstall already did.
/// </summary>
public static class UninstallFinishMessage
{
    public const string Kind = "finish-uninstall";

    /// <summary>Longer than any installation id; a body naming a longer one is not this kind.</summary>
    private const int MaxTenantLength = 512;

    public static string Body(TenantId tenantId)
        => JsonSerializer.Serialize(new Dictionary<string, string> { ["kind"] = Kind, ["tenant"] = tenantId.Value });

    /// <summary>The tenant a body of this kind names, or null when the body is anything else (a run envelope included).</summary>
    public static TenantId? TenantOf(string? body)
    {
        if (body is null || body.Length > 2 * MaxTenantLength || !body.Contains(Kind, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.EnumerateObject().Count() != 2
                || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != Kind
                || !root.TryGetProperty("tenant", out var tenant) || tenant.ValueKind != JsonValueKind.String
                || tenant.GetString() is not { Length: > 0 and <= MaxTenantLength } id)
            {
                return null;
            }

            return new TenantId(id);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
