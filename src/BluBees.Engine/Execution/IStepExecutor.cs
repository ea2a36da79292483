using System.Text.Json.Nodes;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Execution;

/// <summary>Runs, and previews for a dry run, the steps of one kind. Registered in DI; one per <see cref="Kind"/>.</summary>
public interface IStepExecutor
{
    string Kind { get; }

    /// <summary>Runs the step. Returns failures as a failed outcome; exceptions are the run processor's last resort.</summary>
    Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct);

    /// <summary>What the step would send, with every secret masked; sends nothing and decrypts nothing.</summary>
    Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct);
}

/// <summary>
/// The context of one step execution: the verified tenant, the Forge system token of the triggering call (for
/// steps that act on Jira; never logged or stored), and the run's in-memory scope (event and earlier steps).
/// </summary>
public sealed record StepRun(Tenancy.TenantContext Tenant, string? SystemToken, JsonObject Scope)
{
    public Storage.TenantId TenantId => Tenant.Id;

    /// <summary>The run's trace id, sent as <c>X-Atlassian-Webhook-Trace</c> on Jira writes (see <c>Jira.JiraTrace</c>).</summary>
    public string? Trace { get; init; }

    /// <summary>
    /// The event's identity (e.g. the ingest de-duplication key), stable across replays of the same event; part of
    /// the <c>Steps.IdempotencyKeys</c>. Null: derived from the event in <see cref="Scope"/>.
    /// </summary>
    public string? EventKey { get; init; }

    /// <summary>The rule being run; part of the <c>Steps.IdempotencyKeys</c>. Null: read from <see cref="Trace"/>.</summary>
    public string? RuleId { get; init; }

    /// <summary>
    /// Inside a <c>forEach</c>: the iteration's position (e.g. <c>each#3</c>, nested loops joined by '/'), part of the
    /// <c>Steps.IdempotencyKeys</c> so that one step's iterations never share a key. Null outside loops.
    /// </summary>
    public string? Iteration { get; init; }
}

/// <summary>A dry-run preview: the request the step would send, or why it could not be built, and the placeholder output later steps see.</summary>
public sealed record StepPreview(DryRunRequest? Request, DryRunError? Error, JsonObject? Output);
