using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Counters over every call and attempt of one Jira step (metadata only).</summary>
internal sealed class JiraStepTotals
{
    public int Attempts { get; private set; }

    public int Retries { get; set; }

    public bool RateLimited { get; set; }

    public long BytesOut { get; private set; }

    public long BytesIn { get; private set; }

    /// <summary>The bytes of the last attempt's answer (the one a caller keeps; earlier attempts' are gone).</summary>
    public long LastBytesIn { get; private set; }

    public int? StatusCode { get; set; }

    /// <summary>
    /// The field id the last 4xx answer named in its <c>errors</c> (see <see cref="JiraRefusal"/>), or null; kept for the
    /// record only when it is a name the step sent (<see cref="JiraRefusal.SentOnly"/>).
    /// </summary>
    public string? RefusedField { get; set; }

    public EgressFailure Failure { get; private set; }

    public void Add(JiraCallTally tally)
    {
        Attempts += tally.Sent ? 1 : 0;
        BytesOut += tally.BytesOut;
        BytesIn += tally.BytesIn;
        LastBytesIn = tally.BytesIn;
        if (tally.Failure != EgressFailure.None)
        {
            Failure = tally.Failure;
        }
    }
}
