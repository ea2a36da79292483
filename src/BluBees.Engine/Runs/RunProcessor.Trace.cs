using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Runs;

/// <summary>"Why didn't my rule run?": the trace entries of events that reached a rule without running it.</summary>
public sealed partial class RunProcessor
{
    /// <summary>Adds the entry of a trigger filter or the conditions that failed (nothing when the event never reached the rule).</summary>
    private static void TraceMiss(List<RuleTraceEntry>? misses, RunMessage message, CompiledRule rule, JiraEvent evt, string stage, FailedCheck? failed, DateTimeOffset at)
    {
        if (misses is null || failed is null)
        {
            return;
        }

        misses.Add(stage == TraceStages.Trigger ? RuleMisses.Trigger(message, rule, evt, failed, at) : RuleMisses.Conditions(message, rule, evt, failed, at));
    }

    /// <summary>
    /// A disabled rule that the event would have reached (its trigger listens to the event's source and type) gets
    /// a <c>disabled</c> entry: any rule of a fanned-out message, or the one rule a message names (a manual or
    /// scheduled run accepted before an administrator disabled the rule: it does not run, and the trace says why).
    /// Only when the rule's trigger type is the message's source, so other rules cost no compile-cache lookup.
    /// </summary>
    private async Task TraceDisabledAsync(RunMessage message, RuleHead head, JiraEvent evt, List<RuleTraceEntry>? misses, CancellationToken ct)
    {
        if (misses is null || head.Enabled || message.RuleId is not null && message.RuleId != head.Id
            || !string.Equals(head.TriggerType, message.Source.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            if (await rules.LoadCompiledAsync(message.Tenant.Id, head, ct) is { } rule
                && RuleMisses.Before(message.Source, message.Id, rule, enabled: false, evt, time.GetUtcNow()) is { } entry)
            {
                misses.Add(entry);
            }
        }
        catch (Exception)
        {
            // Best effort: an event shape the trigger cannot read, or a store or cancellation fault, leaves no entry
            // (the rule is disabled either way) and never fails the message.
        }
    }
}
