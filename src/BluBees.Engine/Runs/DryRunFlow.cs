using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Runs;

/// <summary>
/// How a dry run walked one step: previewed (a request was built), an error, skipped by its <c>if</c>, the branch an
/// <c>if</c> block took, or a loop's iterations. <see cref="Index"/> is the loop iteration the entry belongs to.
/// </summary>
public sealed record DryRunStep(string Path, string Id, string Type, string Status)
{
    public const string Previewed = "previewed";
    public const string Error = "error";
    public const string Skipped = "skipped";
    public const string Evaluated = "evaluated";

    /// <summary>Inside a loop: the (innermost) iteration.</summary>
    public int? Index { get; init; }

    /// <summary><c>if</c> when the step's (or block's) condition was false.</summary>
    public string? SkippedBy { get; init; }

    /// <summary>An <c>if</c> block: <c>then</c>, <c>else</c> or <c>none</c>.</summary>
    public string? Branch { get; init; }

    /// <summary>The condition's trace (the rule's own text, no values), for a step's <c>if</c> and an <c>if</c> block.</summary>
    public IReadOnlyList<ConditionOutcome>? Conditions { get; init; }

    /// <summary>
    /// The condition or the loop's list reads the output of a step a dry run does not execute (its output is a
    /// placeholder marked <c>dryRun: true</c>), so the path shown is not necessarily the one a real run takes.
    /// </summary>
    public bool? ReadsDryRunOutput { get; init; }

    /// <summary>A loop: elements of its list, iterations previewed (at most <c>FlowLimits.DryRunIterations</c>), and elements past its limit.</summary>
    public int? Items { get; init; }

    public int? Iterations { get; init; }

    public int? Cut { get; init; }
}

/// <summary>The item a dry run's loop previews when its list comes from a step the dry run does not execute.</summary>
public static class DryRunPlaceholders
{
    public const string ItemKey = "DRYRUN-1";

    public static JsonObject Item() => new() { ["dryRun"] = true, ["key"] = ItemKey };

    /// <summary>Whether a scope path reads a placeholder: an output marked <c>dryRun: true</c> (a step's, or a placeholder item).</summary>
    public static bool Reads(string path, JsonObject scope)
    {
        var parts = path.Split('.', '[');
        JsonNode? node = parts[0] switch
        {
            "steps" when parts.Length > 1 => scope["steps"] is JsonObject steps ? steps[parts[1]] : null,
            "item" => scope["item"],
            _ => null,
        };
        return node is JsonObject o && o["dryRun"] is JsonValue flag && flag.TryGetValue<bool>(out var dry) && dry;
    }
}
