using System.Text.Json.Nodes;
using BluBees.Engine.Runs;

namespace BluBees.Engine.Steps;

/// <summary>What a step produced: its metadata record, and (in memory only) its output for later steps.</summary>
public sealed record StepOutcome(StepRecord Record, JsonObject? Output)
{
    public bool Succeeded => Record.Status == RunStatus.Succeeded;
}
