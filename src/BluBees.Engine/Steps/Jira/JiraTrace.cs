using System.Security.Cryptography;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// The <c>X-Atlassian-Webhook-Trace</c> value our Jira writes carry: <c>blubees.&lt;ruleId&gt;.&lt;random&gt;</c>, one per
/// run. An incoming event that carries it back names the rule whose write caused it (loop detection).
/// Identifiers only: never a token or payload.
/// </summary>
public static class JiraTrace
{
    public const string Header = "X-Atlassian-Webhook-Trace";
    private const string Prefix = "blubees.";
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    private const char GenerationSeparator = '-';

    /// <param name="generation">
    /// How many runs, each caused by the previous one's Jira write, led to this one (0: the event was not caused by
    /// one of our writes); carried as a <c>-&lt;n&gt;</c> suffix after the random part so that the chain's length
    /// comes back with the event (<see cref="GenerationOf"/>).
    /// </param>
    public static string New(string? ruleId, int generation = 0)
        => Prefix + (ruleId ?? "dryrun") + "." + RandomNumberGenerator.GetString(Alphabet, 12)
        + (generation > 0 ? GenerationSeparator + generation.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>The generation of the run whose write carried <paramref name="trace"/>; -1 when it is not one of ours.</summary>
    public static int GenerationOf(string? trace)
    {
        if (RuleOf(trace) is null)
        {
            return -1;
        }

        var tail = trace.AsSpan(trace!.LastIndexOf('.') + 1);
        var separator = tail.LastIndexOf(GenerationSeparator);
        return separator >= 0 && int.TryParse(tail[(separator + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation)
            ? Math.Min(generation, 1_000_000) // whatever an event claims, one more cannot overflow
            : 0;
    }

    /// <summary>The rule whose write carried <paramref name="trace"/>, or null when it is not one of ours.</summary>
    public static string? RuleOf(string? trace)
    {
        if (trace is null || trace.Length > 200 || !trace.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = trace.AsSpan(Prefix.Length);
        var dot = rest.LastIndexOf('.');
        return dot > 0 ? rest[..dot].ToString() : null;
    }
}
