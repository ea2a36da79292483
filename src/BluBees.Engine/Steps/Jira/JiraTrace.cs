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

    public static string New(string? ruleId) => Prefix + (ruleId ?? "dryrun") + "." + RandomNumberGenerator.GetString(Alphabet, 12);

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
