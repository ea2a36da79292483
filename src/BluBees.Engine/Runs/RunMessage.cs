using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Runs;

/// <summary>What starts a run.</summary>
public enum RunSource { Event, Schedule, Webhook, Manual }

/// <summary>
/// One unit of queued work. <see cref="Payload"/> is pass-through data (the Jira event or webhook body):
/// it lives in memory, and in a queue only encrypted under the tenant's data key. <see cref="SystemToken"/>
/// is the Forge app system token, which is never logged or stored. <see cref="Trace"/> is the
/// <c>X-Atlassian-Webhook-Trace</c> the event arrived with, if any (loop detection).
/// </summary>
public sealed record RunMessage(
    TenantContext Tenant,
    RunSource Source,
    string Payload,
    DateTimeOffset ReceivedAt,
    string? SystemToken = null,
    string? RuleId = null,
    string? Trace = null);
