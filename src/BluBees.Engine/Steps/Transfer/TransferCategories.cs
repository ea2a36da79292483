using BluBees.Engine.Egress;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>Maps what went wrong on either side of a transfer to the run record's closed vocabulary.</summary>
internal static class TransferCategories
{
    public const string Source = "source";
    public const string Destination = "destination";

    /// <summary>
    /// The category of a response; null only for a 2xx that arrived within the limits. Unlike an http step, whose
    /// later steps may read any answer, a transfer copies the source's body and reports the destination's answer as a
    /// stored upload: a 3xx left unfollowed (300, 304, no Location) is neither, so either side fails with it.
    /// </summary>
    public static string? Of(EgressResponse response) =>
        response.Failure == EgressFailure.None ? EgressCategories.OfFinalStatus(response.StatusCode) : EgressCategories.Of(response.Failure);

    /// <summary>The category of a broken source stream: a limit (size cap, timeout) or a dropped connection.</summary>
    public static string Of(Exception sourceFailure) => EgressCategories.Of(sourceFailure);
}
