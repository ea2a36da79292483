using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Execution;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Runs.Trace;

/// <summary>
/// Builds the trace entries of events that reached a rule and did not run it. Called only on a miss (the run path
/// allocates nothing for tracing); the identifiers are read like a run record's (null when the shape is unexpected).
/// </summary>
internal static class RuleMisses
{
    private static readonly FailedCheck DisabledCheck = new("enabled", "equals");

    public static RuleTraceEntry Trigger(RunMessage message, CompiledRule rule, JiraEvent evt, FailedCheck failed, DateTimeOffset at)
        => Entry(message.Source, message.Id, rule.Id, rule.Version, evt, TraceStages.Trigger, failed, at);

    public static RuleTraceEntry Conditions(RunMessage message, CompiledRule rule, JiraEvent evt, FailedCheck failed, DateTimeOffset at)
        => Entry(message.Source, message.Id, rule.Id, rule.Version, evt, TraceStages.Conditions, failed, at);

    public static RuleTraceEntry Disabled(RunSource source, string? messageId, CompiledRule rule, JiraEvent evt, DateTimeOffset at)
        => Entry(source, messageId, rule.Id, rule.Version, evt, TraceStages.Disabled, DisabledCheck, at);

    /// <summary>
    /// The entry for a rule the event reached and that did not run because of its trigger or because it is disabled;
    /// null when the trigger fires on an enabled rule, or the event is not one the trigger listens to (another type,
    /// source or webhook: it never reached the rule, so it is not recorded, which keeps the cost to events the rule
    /// subscribes to). Throws <see cref="InvalidOperationException"/> like the trigger on an unreadable shape.
    /// </summary>
    public static RuleTraceEntry? Before(RunSource source, string? messageId, CompiledRule rule, bool enabled, JiraEvent evt, DateTimeOffset at)
    {
        var check = rule.Trigger.Check(source, evt);
        if (!check.Reached())
        {
            return null;
        }

        if (!enabled)
        {
            return Disabled(source, messageId, rule, evt, at);
        }

        return check.Failed() is { } failed ? Entry(source, messageId, rule.Id, rule.Version, evt, TraceStages.Trigger, failed, at) : null;
    }

    /// <summary>
    /// The entry for a cron schedule whose due occurrences could not fire (<paramref name="reason"/> from
    /// <see cref="ScheduleReasons"/>). One slot per rule and reason: a failure repeated every tick rewrites its own
    /// entry (the newest time) instead of filling the ring.
    /// </summary>
    public static RuleTraceEntry Schedule(string ruleId, int version, string reason, DateTimeOffset at)
        => new(ruleId, version, at, "schedule", "blubees:schedule", null, null, TraceStages.Schedule, "trigger.schedule.jql", reason)
        {
            MessageId = "schedule:" + reason,
        };

    private static RuleTraceEntry Entry(RunSource source, string? messageId, string ruleId, int version, JiraEvent evt, string stage, FailedCheck failed, DateTimeOffset at)
        => new(ruleId, version, at, source.ToString().ToLowerInvariant(), Bounded(evt.EventType), RecordedIssue.IdOf(evt), RecordedIssue.KeyOf(evt), stage, failed.Path, failed.Operator)
        {
            MessageId = messageId,
        };

    private static string? Bounded(string? text) => text is { Length: <= 200 } ? text : null;
}
