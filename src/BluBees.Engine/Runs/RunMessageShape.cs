namespace BluBees.Engine.Runs;

/// <summary>
/// The members of a <see cref="RunMessage"/> read back from a queue that the worker cannot do without. Every build
/// writes them, but the serializer fills a member the stored JSON lacks (or holds as null) with null, and such a
/// message then threw where the worker did not expect it (a NullReferenceException while it was opened, an
/// ArgumentNullException while its event was read), on every delivery: it was retried for ever and never recorded.
/// </summary>
public static class RunMessageShape
{
    /// <summary>The message when it names its tenant and carries a payload; otherwise a <see cref="FormatException"/>
    /// (an unopenable message: retried up to <c>Runs:MaxAttempts</c>, then recorded <c>delivery_exhausted</c>).</summary>
    public static RunMessage Complete(RunMessage? message) => message switch
    {
        null => throw new FormatException("The run message is empty."),
        { Tenant: null } or { Tenant.TenantId: null } => throw new FormatException("The run message names no tenant."),
        { Payload: null } => throw new FormatException("The run message has no payload."),
        _ => message,
    };
}
