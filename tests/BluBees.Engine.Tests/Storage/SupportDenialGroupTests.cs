using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// Counting denials in one audit entry on a real store (SQLite here, DynamoDB on dynalite in Aws.Tests): concurrent
/// denials of one group make one entry that counts each, and a new window starts a new entry.
/// </summary>
public abstract class SupportDenialGroupTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/denial-groups");

    private FakeTimeProvider _time = null!;
    private SupportAuditStore _audit = null!;

    protected abstract IStore CreateStore(FakeTimeProvider time);

    protected virtual void ReleaseStore()
    {
    }

    [SetUp]
    public void CreateFreshStore()
    {
        _time = new FakeTimeProvider(Start);
        _audit = new SupportAuditStore(CreateStore(_time), _time, TimeSpan.FromDays(365));
    }

    [TearDown]
    public void ReleaseFreshStore() => ReleaseStore();

    private Task<SupportAuditEntry?> DenyAsync(string actor = "staff-42", string reason = SupportDenial.NoGrant)
        => _audit.WriteDeniedAsync(Tenant, actor, reason, (id, at) => new SupportAuditEntry(id, at, actor, null, Tenant.Value, "GET /support", new Dictionary<string, string>(), SupportAuditOutcome.Denied, null, reason), CancellationToken.None);

    private async Task<IReadOnlyList<SupportAuditEntry>> ListAsync() => (await _audit.ListAsync(Tenant, 200, null, CancellationToken.None)).Items;

    [Test]
    public async Task Concurrent_denials_of_one_group_are_one_entry_counting_each()
    {
        var written = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => DenyAsync())));

        Assert.That(written, Has.None.Null);
        var entry = (await ListAsync()).Single();
        Assert.That(entry.Count, Is.EqualTo(16));
    }

    [Test]
    public async Task Another_reason_another_actor_and_a_new_window_are_new_entries()
    {
        await DenyAsync();
        await DenyAsync();
        await DenyAsync(reason: SupportDenial.Mfa);
        await DenyAsync(actor: "staff-7");
        _time.Advance(SupportAuditStore.DenialWindow);
        await DenyAsync();

        Assert.That((await ListAsync()).Select(e => (e.Actor, e.Reason, e.Count)), Is.EqualTo(new[]
        {
            ("staff-42", (string?)SupportDenial.NoGrant, 1),
            ("staff-7", SupportDenial.NoGrant, 1),
            ("staff-42", SupportDenial.Mfa, 1),
            ("staff-42", SupportDenial.NoGrant, 2),
        }));
    }
}
