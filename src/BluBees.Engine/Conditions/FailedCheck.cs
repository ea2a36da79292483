namespace BluBees.Engine.Conditions;

/// <summary>
/// The part of a rule that an event failed: its path in the rule definition (<c>trigger.projects</c>,
/// <c>conditions.all[1]</c>) and its operator (<c>in</c>, <c>equals</c>, <c>changed</c>). Built once when the rule
/// compiles and shared by every evaluation, so reporting a failure allocates nothing. Never a value: neither the
/// event's nor the rule's.
/// </summary>
public sealed record FailedCheck(string Path, string Operator);
