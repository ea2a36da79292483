using System.Text.Json.Serialization;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Tenancy;

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
    string? DedupKey = null)
{
    /// <summary>
    /// The tenant's rule heads as the ingress filter read them for this event, moments before the message was built.
    /// In memory only: never serialized, so a message read back from a queue has none and its worker reads the rule
    /// list again. The direct hand-off runs the very instance the ingress built, and so does a claim of a message this
    /// process accepted (<see cref="OpenedMessages"/>), which spares it a second read of the rule-list stamp (see
    /// <see cref="RunProcessor"/>, which uses them only while they are fresh: under a second since the receipt).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<RuleHead>? IngressHeads { get; init; }
}
