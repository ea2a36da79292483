using BluBees.Engine.Common;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;

namespace BluBees.Api.Scheduling;

/// <summary>
/// Whose turn it is among a tenant's schedule rules. A delivery whose hand-over the queue refuses (the tenant's share is
/// full) stops there; it records that rule (<see cref="Keys.ScheduleTurn"/>) and the next delivery starts its walk with
/// the rule after it, wrapping round, so the room freed between deliveries goes to each due rule in turn. Before, every
/// delivery walked from the first rule, and a rule with work left (a cron's catch-up, a JQL's many issues) took all the
/// freed room tick after tick while the rules after it never fired. Only the order changes: each rule's own
/// de-duplication keys and hand-over markers decide what it fires, and a walk that completes deletes the record, so
/// with nothing refused the walk is the rule list's order as before.
/// </summary>
internal sealed class ScheduleTurn
{
    /// <summary>Outlives any pause between deliveries that matters (Forge ticks every five minutes), then expires.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private readonly StoreItem? _item;
    private readonly string? _after;

    private ScheduleTurn(StoreItem? item)
    {
        _item = item;
        _after = item is null ? null : StoredJson.ReadTolerant<Turn>(item.Data).After;
    }

    public static async Task<ScheduleTurn> ReadAsync(TenantStore partition, CancellationToken ct) => new(await partition.GetAsync(Keys.ScheduleTurn, ct));

    /// <summary>
    /// The rules from the one after the recorded rule, wrapping round. A recorded rule since deleted or disabled is
    /// placed by its id (the list is in id order, the store's key order); none recorded: the list's order.
    /// </summary>
    public IEnumerable<RuleHead> Order(IReadOnlyList<RuleHead> heads)
    {
        var start = 0;
        if (_after is { } after)
        {
            var at = IndexOf(heads, after);
            start = at >= 0 ? at + 1 : FirstAfter(heads, after);
        }

        for (var i = 0; i < heads.Count; i++)
        {
            yield return heads[(start + i) % heads.Count];
        }
    }

    /// <summary>The queue refused <paramref name="ruleId"/>'s hand-over: the next delivery starts after it (last writer wins).</summary>
    public static Task PassAsync(TenantStore partition, string ruleId, DateTimeOffset now, CancellationToken ct)
        => partition.PutAsync(partition.Item(Keys.ScheduleTurn, StoredJson.Write(new Turn(ruleId)), (now + Lifetime).ToUnixTimeSeconds()), ct);

    /// <summary>Every rule had its turn: the record read is deleted (unless a concurrent delivery has since replaced it).</summary>
    public async Task CompleteAsync(TenantStore partition, CancellationToken ct)
    {
        if (_item is not null)
        {
            await partition.DeleteIfRevisionAsync(Keys.ScheduleTurn, _item.Revision, ct);
        }
    }

    private static int IndexOf(IReadOnlyList<RuleHead> heads, string ruleId)
    {
        for (var i = 0; i < heads.Count; i++)
        {
            if (string.Equals(heads[i].Id, ruleId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static int FirstAfter(IReadOnlyList<RuleHead> heads, string ruleId)
    {
        for (var i = 0; i < heads.Count; i++)
        {
            if (string.CompareOrdinal(heads[i].Id, ruleId) > 0)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The rule the last refused walk stopped at; it only names the rule.</summary>
    private sealed record Turn(string After);
}
