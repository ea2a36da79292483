namespace BluBees.Engine.Steps.Transfer;

/// <summary>A <c>transfer</c> step: <see cref="Source"/>'s response body streamed into <see cref="Destination"/>'s request, at most <see cref="MaxBytes"/>.</summary>
public sealed record TransferStepDefinition : StepDefinition
{
    public TransferStepDefinition() => Type = CompiledTransferStep.KindName;

    /// <summary>The request whose response body is streamed.</summary>
    public TransferEndpointDefinition? Source { get; init; }

    /// <summary>The request that receives the body.</summary>
    public TransferEndpointDefinition? Destination { get; init; }

    /// <summary>The body's size cap, bounded by the operator's Transfer:MaxBytes.</summary>
    public long? MaxBytes { get; init; }

    public int? TimeoutSeconds { get; init; }
}
