using BluBees.Engine.Egress;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Ai;

/// <summary>Maps a guard failure under an SDK call to the run record's category: the shared <see cref="EgressCategories"/>.</summary>
internal static class AiErrors
{
    public static string Of(EgressFailure failure) => EgressCategories.Of(failure) ?? ErrorCategories.ConnectionFailed;
}
