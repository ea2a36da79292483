using BluBees.Engine.Egress;

namespace BluBees.Engine.Ai;

/// <summary>Maps a guard failure under an SDK call to the run record's category: the shared <see cref="EgressCategories"/>.</summary>
internal static class AiErrors
{
    public static string Of(EgressFailure failure) => EgressCategories.Of(failure) ?? Runs.ErrorCategories.ConnectionFailed;
}
