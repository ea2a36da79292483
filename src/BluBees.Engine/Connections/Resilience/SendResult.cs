using BluBees.Engine.Egress;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The outcome of one resilient send: the final response (null when no attempt produced one), the attempts made,
/// and every policy decision, for the run record. <see cref="Category"/> is set when a policy refused the call.
/// </summary>
internal readonly record struct SendResult(EgressResponse? Response, int Attempts, int Retries, bool CircuitOpen, bool RateLimited, string? Category);
