using BluBees.Engine.Names;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// The claims behind unique names (<see cref="NameClaims"/>), on the real SQLite store with a fake clock: one holder
/// at a time, claims left behind are taken over only once stale, and a release never removes another's claim.
/// </summary>
public sealed class NameClaimsTests
{
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/name-claims");
    private static readonly CancellationToken Ct = CancellationToken.None;
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;
    private NameClaims _claims = null!;
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal); // the owners that "exist", by id

    [SetUp]
    public void Open()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
        _claims = new NameClaims(_store, _time);
        _names.Clear();
    }

    [TearDown]
    public void Close() => _dir.Dispose();

    private Task<string?> ClaimAsync(string name, string owner)
        => _claims.ClaimAsync(Tenant, "rule", name, owner, (id, _) => Task.FromResult(_names.GetValueOrDefault(id)), Ct);

    [Test]
    public async Task Of_many_claims_of_one_name_at_once_exactly_one_holds_it()
    {
        var owners = Enumerable.Range(0, 16).Select(i => "rule_" + i).ToList();
        var answers = await Task.WhenAll(owners.Select(o => Task.Run(() => ClaimAsync(Spelling(o), o))));

        Assert.That(answers.Count(a => a is null), Is.EqualTo(1));
        var winner = owners[Array.IndexOf(answers, null)];
        Assert.That(answers.Where(a => a is not null), Is.All.EqualTo(winner), "the others are told who holds it");

        static string Spelling(string owner) => owner.EndsWith('1') ? "  deploy NOTIFY " : "Deploy notify";
    }

    [Test]
    public async Task A_claim_whose_owner_was_never_written_blocks_the_name_until_it_is_stale()
    {
        Assert.That(await ClaimAsync("Nightly", "rule_a"), Is.Null);

        _time.Advance(NameClaims.PendingFor - TimeSpan.FromSeconds(1));
        Assert.That(await ClaimAsync("nightly", "rule_b"), Is.EqualTo("rule_a"), "a save may still be in flight");

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(await ClaimAsync("nightly", "rule_b"), Is.Null, "the save died: its claim is taken over");
        Assert.That(await ClaimAsync("NIGHTLY", "rule_a"), Is.EqualTo("rule_b"));
    }

    [Test]
    public async Task A_claim_whose_existing_owner_is_being_renamed_to_the_name_blocks_it_until_it_is_stale()
    {
        // Both rules exist under other names, and both are being renamed to one name at once: the first claim's owner
        // still carries its old name until its save writes the head, so it is not a claim left behind.
        _names["rule_a"] = "Start a";
        _names["rule_b"] = "Start b";
        Assert.That(await ClaimAsync("Finish", "rule_a"), Is.Null);
        Assert.That(await ClaimAsync("finish", "rule_b"), Is.EqualTo("rule_a"), "a rename may still be in flight");

        _time.Advance(NameClaims.PendingFor + TimeSpan.FromSeconds(1));
        Assert.That(await ClaimAsync("finish", "rule_b"), Is.Null, "the rename died (its owner never took the name): the claim is taken over");
    }

    [Test]
    public async Task A_claim_whose_owner_has_the_name_holds_however_old_and_one_whose_owner_moved_on_is_taken_over()
    {
        Assert.That(await ClaimAsync("Sync", "rule_a"), Is.Null);
        _names["rule_a"] = " SYNC";
        _time.Advance(TimeSpan.FromDays(30));
        Assert.That(await ClaimAsync("sync", "rule_b"), Is.EqualTo("rule_a"));

        _names["rule_a"] = "Sync v2"; // renamed, and its release of "Sync" never happened
        Assert.That(await ClaimAsync("sync", "rule_b"), Is.Null);
    }

    [Test]
    public async Task A_release_removes_only_the_owners_claim()
    {
        Assert.That(await ClaimAsync("Escalate", "rule_a"), Is.Null);
        _names["rule_a"] = "Escalate";

        await _claims.ReleaseAsync(Tenant, "rule", "escalate", "rule_b", Ct);
        Assert.That(await ClaimAsync("Escalate", "rule_c"), Is.EqualTo("rule_a"), "another's release left the claim");

        await _claims.ReleaseAsync(Tenant, "rule", " ESCALATE ", "rule_a", Ct);
        Assert.That(await _store.QueryAsync(new QueryRequest(Keys.Tenant(Tenant.Value), "NAME#") { Limit = 10 }, Ct), Has.Property("Items").Empty, "nothing is left behind");
        Assert.That(await ClaimAsync("Escalate", "rule_c"), Is.Null);
    }

    [Test]
    public async Task The_claim_stores_neither_the_name_nor_anything_but_its_owner_and_time()
    {
        Assert.That(await ClaimAsync("Customer ACME escalation", "rule_a"), Is.Null);
        var items = (await _store.QueryAsync(new QueryRequest(Keys.Tenant(Tenant.Value), "NAME#") { Limit = 10 }, Ct)).Items;

        Assert.That(items, Has.Count.EqualTo(1));
        Assert.That(items[0].Sk + items[0].Data, Does.Not.Contain("ACME").IgnoreCase.And.Not.Contain("escalation").IgnoreCase);
        Assert.That(items[0].Sk, Is.EqualTo(Keys.NameClaim("rule", NameClaims.Fingerprint("customer acme escalation "))));
        Assert.That(items[0].Data, Does.Contain("rule_a"));
    }
}
