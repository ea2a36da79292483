using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// What the egress handler learnt about one Jira call (bytes, failure), handed over through the request's options
/// because Refit's response types carry no egress metadata. Also carries the call's limits into the handler.
/// </summary>
internal sealed class JiraCallTally(TimeSpan timeout, long maxResponseBytes)
{
    public const string Key = "blubees.jira-call";

    public static readonly HttpRequestOptionsKey<JiraCallTally> OptionsKey = new(Key);

    public TimeSpan Timeout { get; } = timeout;

    public long MaxResponseBytes { get; } = maxResponseBytes;

    public EgressFailure Failure { get; set; }

    public long BytesOut { get; set; }

    public long BytesIn { get; set; }

    public bool Sent { get; set; }
}
