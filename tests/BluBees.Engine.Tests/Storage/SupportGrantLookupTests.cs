using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The support grant lookup on a real store (SQLite here, DynamoDB on dynalite in Aws.Tests): an active grant is
/// found however many newer grants (revoked, expired) the tenant created after it.
/// </summary>
public abstract class SupportGrantLookupTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/grant-lookup");

    private FakeTimeProvider _time = null!;
    private SupportGrantStore _grants = null!;

    /// <summary>Returns an empty store that reads the time from <paramref name="time"/>.</summary>
    protected abstract IStore CreateStore(FakeTimeProvider time);

    protected virtual void ReleaseStore()
    {
    }

    [SetUp]
    public void CreateFreshStore()
    {
        _time = new FakeTimeProvider(Start);
        _grants = new SupportGrantStore(CreateStore(_time), _time, TimeSpan.FromDays(365));
    }

    [TearDown]
    public void ReleaseFreshStore() => ReleaseStore();

    [TestCase(0)]
    [TestCase(150)]
    public async Task An_active_grant_is_found_behind_many_newer_revoked_and_expired_grants(int newer)
    {
        var active = await _grants.CreateAsync(Tenant, TimeSpan.FromHours(SupportGrant.MaxHours), "557058:admin", "INC-1", CancellationToken.None);
        for (var i = 0; i < newer; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var grant = await _grants.CreateAsync(Tenant, TimeSpan.FromHours(1), "557058:admin", null, CancellationToken.None);
            if (i % 2 == 0)
            {
                await _grants.RevokeAsync(Tenant, grant.Id, "557058:admin", CancellationToken.None);
            }
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
            await _grants.CreateAsync(Tenant, TimeSpan.FromHours(1), "557058:admin", null, CancellationToken.None);
        }

        _time.Advance(TimeSpan.FromHours(2));
        Assert.That(await _grants.FindActiveAsync(Tenant, CancellationToken.None), Is.Null);
    }
}
