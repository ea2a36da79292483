using System.Text.Json.Nodes;

namespace BluBees.Engine.Execution;

/// <summary>What a step produced: its metadata record, and (in memory only) its output for later steps.</summary>
public sealed record StepOutcome(StepRecord Record, JsonObject? Output)
{
    public bool Succeeded => Record.Status == RunStatus.Succeeded;

    /// <summary>
    /// The bytes of JSON <see cref="Output"/> was parsed from, as the executor counted them, charged to the run's
    /// <c>Runs:MaxRunDataBytes</c>. Null: the record's <see cref="StepRecord.BytesIn"/> (the answer it was parsed from).
    /// </summary>
    public long? OutputBytes { get; init; }
}
