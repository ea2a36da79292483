namespace BluBees.Engine.Runs;

/// <summary>Hands work from the ingress to the worker: an in-process channel locally, SQS on AWS.</summary>
public interface IRunQueue
{
    ValueTask EnqueueAsync(RunMessage message, CancellationToken ct);
}

/// <summary>Executes one queued message. The worker (channel reader or SQS route) calls it.</summary>
public interface IRunProcessor
{
    Task ProcessAsync(RunMessage message, CancellationToken ct);
}
