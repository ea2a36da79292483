using System.Text.Json.Nodes;

namespace BluBees.Engine.Execution;

/// <summary>What a step produced: its metadata record, and (in memory only) its output for later steps.</summary>
public sealed record StepOutcome(StepRecord Record, JsonObject? Output)
{
    public bool Succeeded => Record.Status == RunStatus.Succeeded;
}
