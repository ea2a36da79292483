using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The support grant lookup on a real store (SQLite here, DynamoDB on dynalite in Aws.Tests): an active grant is
/// found however many newer grants (revoked, expired) the tenant has after it (more than the limits now allow: stored
/// before them), and the limits that keep every lookup to one page: <see cref="SupportGrantStore.MaxActive"/> active
/// grants, <see cref="SupportGrantStore.MaxPerWindow"/> created within <see cref="SupportGrant.MaxHours"/>.
/// </summary>
public abstract class SupportGrantLookupTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/grant-lookup");
    private static readonly TimeSpan Retention = TimeSpan.FromDays(365);

    private FakeTimeProvider _time = null!;
    private IStore _store = null!;
    private SupportGrantStore _grants = null!;
    private readonly OrderedRunIds _ids = new();

    /// <summary>Returns an empty store that reads the time from <paramref name="time"/>.</summary>
    protected abstract IStore CreateStore(FakeTimeProvider time);

    protected virtual void ReleaseStore()
    {
    }

    [SetUp]
    public void CreateFreshStore()
    {
        _time = new FakeTimeProvider(Start);
        _store = CreateStore(_time);
        _grants = new SupportGrantStore(_store, _time, Retention);
    }

    [TearDown]
    public void ReleaseFreshStore() => ReleaseStore();

    [TestCase(0)]
    [TestCase(150)]
    public async Task An_active_grant_is_found_behind_many_newer_revoked_and_expired_grants(int newer)
    {
        var active = (await _grants.CreateAsync(Tenant, TimeSpan.FromHours(SupportGrant.MaxHours), "557058:admin", "INC-1", CancellationToken.None)).Grant!;
        for (var i = 0; i < newer; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await StoredBeforeTheLimitsAsync(TimeSpan.FromHours(1), revoked: i % 2 == 0);
        }

        // The one-hour grants have expired; the revoked ones never counted. Only the first, week-long grant is active.
        _time.Advance(TimeSpan.FromHours(2));

        var found = await _grants.FindActiveAsync(Tenant, CancellationToken.None);
        Assert.That(found?.Id, Is.EqualTo(active.Id));
    }

    [Test]
    public async Task No_grant_is_found_when_every_grant_is_revoked_or_expired()
    {
        for (var i = 0; i < 120; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await StoredBeforeTheLimitsAsync(TimeSpan.FromHours(1), revoked: false);
        }

        _time.Advance(TimeSpan.FromHours(2));
        Assert.That(await _grants.FindActiveAsync(Tenant, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task A_grant_past_the_active_limit_is_refused_until_one_is_revoked()
    {
        var created = new List<SupportGrant>();
        for (var i = 0; i < SupportGrantStore.MaxActive; i++)
        {
            created.Add((await _grants.CreateAsync(Tenant, TimeSpan.FromHours(2), "557058:admin", null, CancellationToken.None)).Grant!);
        }

        var refused = await _grants.CreateAsync(Tenant, TimeSpan.FromHours(2), "557058:admin", null, CancellationToken.None);
        Assert.That(refused, Is.EqualTo(new GrantCreation(null, GrantLimit.Active)));
        Assert.That(await _grants.ListActiveAsync(Tenant, CancellationToken.None), Has.Count.EqualTo(SupportGrantStore.MaxActive), "the refused grant was not written");

        await _grants.RevokeAsync(Tenant, created[0].Id, "557058:admin", CancellationToken.None);
        Assert.That((await _grants.CreateAsync(Tenant, TimeSpan.FromHours(2), "557058:admin", null, CancellationToken.None)).Grant, Is.Not.Null);

        // An expired grant frees its place too.
        _time.Advance(TimeSpan.FromHours(3));
        Assert.That((await _grants.CreateAsync(Tenant, TimeSpan.FromHours(2), "557058:admin", null, CancellationToken.None)).Grant, Is.Not.Null);
    }

    [Test]
    public async Task Grants_past_the_window_limit_are_refused_until_the_oldest_leaves_the_window()
    {
        for (var i = 0; i < SupportGrantStore.MaxPerWindow; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var grant = (await _grants.CreateAsync(Tenant, TimeSpan.FromHours(1), "557058:admin", null, CancellationToken.None)).Grant!;
            await _grants.RevokeAsync(Tenant, grant.Id, "557058:admin", CancellationToken.None);
        }

        _time.Advance(TimeSpan.FromHours(2));
        Assert.That(await _grants.CreateAsync(Tenant, TimeSpan.FromHours(1), "557058:admin", null, CancellationToken.None), Is.EqualTo(new GrantCreation(null, GrantLimit.PerWindow)));

        // Every lookup reads at most the window's grants: the ones created since then hold no more than the limit.
        _time.Advance(TimeSpan.FromHours(SupportGrant.MaxHours));
        Assert.That((await _grants.CreateAsync(Tenant, TimeSpan.FromHours(1), "557058:admin", null, CancellationToken.None)).Grant, Is.Not.Null);
    }

    /// <summary>A grant written as a build before the limits wrote it (no count first).</summary>
    private async Task StoredBeforeTheLimitsAsync(TimeSpan duration, bool revoked)
    {
        var now = _time.GetUtcNow();
        var grant = new SupportGrant(_ids.Next(now), now, now + duration, "557058:admin", null, revoked ? now : null, revoked ? "557058:admin" : null);
        await _store.ForTenant(Tenant).PutAsync(Keys.Grant(grant.Id), StoredJson.Write(grant), (grant.ExpiresAt + Retention).ToUnixTimeSeconds(), CancellationToken.None);
    }
}
