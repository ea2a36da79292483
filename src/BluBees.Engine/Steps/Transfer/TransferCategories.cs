using BluBees.Engine.Egress;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>Maps what went wrong on either side of a transfer to the run record's closed vocabulary.</summary>
internal static class TransferCategories
{
    public const string Source = "source";
    public const string Destination = "destination";

    /// <summary>The category of a response (null for a 2xx/3xx that arrived within the limits).</summary>
    public static string? Of(EgressResponse response) => EgressCategories.Of(response);

    /// <summary>The category of a broken source stream: a limit (size cap, timeout) or a dropped connection.</summary>
    public static string Of(Exception sourceFailure) => EgressCategories.Of(sourceFailure);
}
