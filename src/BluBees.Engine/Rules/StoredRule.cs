namespace BluBees.Engine.Rules;

/// <summary>The mutable head of a rule: current version, enabled flag, and what the worker needs to pick it.</summary>
public sealed record RuleHead(
    string Id,
    string Name,
    bool Enabled,
    int Version,
    string TriggerType,
    int EveryHours,
    string? WebhookId,
    IReadOnlyList<string> Connections,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>One immutable saved version of a rule.</summary>
public sealed record RuleVersionRecord(int Version, RuleDefinition Definition, DateTimeOffset CreatedAt, string? CreatedBy);

/// <summary>What the admin API returns for a rule. <see cref="Warnings"/>: only in the answer to a save, never stored.</summary>
public sealed record RuleView(string Id, string Name, bool Enabled, int Version, RuleDefinition Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public IReadOnlyList<Warnings.RuleWarning>? Warnings { get; init; }
}

/// <summary>One line of the rule list.</summary>
public sealed record RuleSummary(string Id, string Name, bool Enabled, int Version, string TriggerType, DateTimeOffset UpdatedAt, LastRun? LastRun)
{
    /// <summary>
    /// True when a newer version of BluBees saved the rule (its summary or its current version has what this version
    /// cannot read: a rollback after a deploy). It does not run on this version until it is saved again; opening it
    /// answers 409. Its other fields are what this version could read of it.
    /// </summary>
    public bool SavedByNewerVersion { get; init; }
}

/// <summary>One line of a rule's version history.</summary>
public sealed record RuleVersionSummary(int Version, DateTimeOffset CreatedAt, string? CreatedBy);
