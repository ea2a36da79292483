using BluBees.Engine.Tenancy;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>
/// One unit of queued work, built only by <see cref="EventIngestor"/> (the one ingress). <see cref="Payload"/> is
/// pass-through data (the Jira event or webhook body): it lives in memory, and in a queue only encrypted under the
/// tenant's data key. <see cref="SystemToken"/> is the Forge app system token, which is never logged or stored in
/// clear. <see cref="Trace"/> is the <c>X-Atlassian-Webhook-Trace</c> the event arrived with, if any (loop detection).
/// <see cref="Id"/> names the message: run records are keyed by it, so a replayed message finishes the same record.
/// <see cref="DedupKey"/> is the event's de-duplication hash (identifiers only), whose marker is marked finished
/// when the run record is written.
/// </summary>
public sealed record RunMessage(
    TenantContext Tenant,
    RunSource Source,
    string Payload,
    DateTimeOffset ReceivedAt,
    string? SystemToken = null,
    string? RuleId = null,
    string? Trace = null,
    string? Id = null,
    string? DedupKey = null);
