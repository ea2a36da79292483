namespace BluBees.Engine.Steps.Transfer;

/// <summary>Hard limits on transfer steps as rules may write them.</summary>
internal static class TransferLimits
{
    /// <summary>The largest <c>maxBytes</c> a rule (or an operator) may set: 64 GiB.</summary>
    public const long HardMaxBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>A transfer may run for up to an hour; the default is five minutes.</summary>
    public const int MaxTimeoutSeconds = 3600;

    public const int DefaultTimeoutSeconds = 300;

    public static readonly IReadOnlySet<string> SourceMethods = new HashSet<string>(StringComparer.Ordinal) { "GET", "POST" };

    public static readonly IReadOnlySet<string> DestinationMethods = new HashSet<string>(StringComparer.Ordinal) { "PUT", "POST", "PATCH" };
}
