using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// Every support read that passes the grant check is in the tenant's audit before anything is read: each page of a
/// paged read (with its cursor), a HEAD (answered as a GET, without the body), a read the handler refuses (an unknown
/// run: 404; a bad filter: 400) and a read the store fails (503) — the audit entry exists whether or not any data went
/// out; and a grant revoked between two pages stops the next one, refused and audited with its cursor. The run log is read through a store whose run reads can be made to fail (SQLite I/O error); the audit and the
/// grant use the real one.
/// </summary>
public sealed class SupportReadAuditTests
{
    private TestIssuer _forge = null!;
    private SupportIssuer _idp = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _thirdParty = null!;
    private FailingRunReads _runReads = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _forge = await TestIssuer.StartAsync();
        _idp = await SupportIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_forge, _idp.Settings(), s =>
        {
            s.AddSingleton(sp => new FailingRunReads(sp.GetRequiredService<IStore>()));
            s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RunStore>(sp, sp.GetRequiredService<FailingRunReads>()));
        });
        _runReads = _backend.Services.GetRequiredService<FailingRunReads>();
        _thirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _thirdParty.DisposeAsync();
        await _backend.DisposeAsync();
        await _idp.DisposeAsync();
        await _forge.DisposeAsync();
    }

    [Test]
    public async Task Every_read_is_audited_each_page_a_head_a_refused_and_a_failed_one()
    {
        var tenant = Samples.NewTenant();
        var connection = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "t0ken"), 201))["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection), 201);
        foreach (var key in new[] { "OPS-71", "OPS-72", "OPS-73" })
        {
            using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "audit me"));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count == 3);
        var runId = runs["items"]![0]!["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 2 }, 201);
        var basePath = $"/support/tenants/{Uri.EscapeDataString(tenant)}/runs";

        // Three pages of one run each, following nextCursor.
        var cursors = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 3; page++)
        {
            var (status, body) = await ReadAsync(HttpMethod.Get, basePath + "?limit=1" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(JsonNode.Parse(body)!["items"]!.AsArray(), Has.Count.EqualTo(1));
            cursor = JsonNode.Parse(body)!["nextCursor"]?.GetValue<string>();
            if (cursor is not null)
            {
                cursors.Add(cursor);
            }
        }

        Assert.That(cursors, Has.Count.GreaterThanOrEqualTo(2));
        var (head, headBody) = await ReadAsync(HttpMethod.Head, basePath + "/" + runId);
        Assert.That((head, headBody), Is.EqualTo((HttpStatusCode.OK, string.Empty)), "a HEAD reads the run but sends no body");
        Assert.That((await ReadAsync(HttpMethod.Get, basePath + "/1700000000000-abcdefghij")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ReadAsync(HttpMethod.Get, basePath + "?status=exploded")).Status, Is.EqualTo(HttpStatusCode.BadRequest));

        _runReads.Failing = true;
        try
        {
            Assert.That((await ReadAsync(HttpMethod.Get, basePath)).Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That((await ReadAsync(HttpMethod.Get, basePath + "/" + runId)).Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            _runReads.Failing = false;
        }

        var audit = (await _backend.JsonAsync(HttpMethod.Get, "/api/support/audit?limit=50", tenant))["items"]!.AsArray();
        var entries = audit.Select(e => (Route: e!["route"]!.GetValue<string>(), Query: e["query"]!.ToJsonString(), Outcome: e["outcome"]!.GetValue<string>())).Reverse().ToList();
        var prefix = $"GET /support/tenants/{tenant}/runs";
        Assert.That(entries.Select(e => e.Outcome), Is.All.EqualTo("allowed"));
        Assert.That(entries.Select(e => e.Route), Is.EqualTo(new[]
        {
            prefix, prefix, prefix, "HEAD" + prefix[3..] + "/" + runId, prefix + "/1700000000000-abcdefghij", prefix, prefix, prefix + "/" + runId,
        }), "one entry per read, in order: three pages, the HEAD (answered as a GET, audited as the HEAD it was), the 404, the 400, the two failed reads");
        Assert.Multiple(() =>
        {
            Assert.That(entries[0].Query, Is.EqualTo("""{"limit":"1"}"""));
            Assert.That(entries[1].Query, Is.EqualTo($$"""{"limit":"1","cursor":"{{cursors[0]}}"}"""));
            Assert.That(entries[2].Query, Is.EqualTo($$"""{"limit":"1","cursor":"{{cursors[1]}}"}"""));
            Assert.That(entries[5].Query, Is.EqualTo("""{"status":"exploded"}"""));
        });
    }

    [Test]
    public async Task A_grant_revoked_between_two_pages_stops_the_next_page_and_the_refusal_is_audited_with_its_cursor()
    {
        var tenant = Samples.NewTenant();
        var connection = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "t0ken"), 201))["id"]!.GetValue<string>();
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection), 201);
        foreach (var key in new[] { "OPS-81", "OPS-82" })
        {
            using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(key, "page me"));
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count == 2);
        var grant = (await _backend.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 2 }, 201))["id"]!.GetValue<string>();
        var basePath = $"/support/tenants/{Uri.EscapeDataString(tenant)}/runs";
        var (first, firstBody) = await ReadAsync(HttpMethod.Get, basePath + "?limit=1");
        Assert.That(first, Is.EqualTo(HttpStatusCode.OK));
        var cursor = JsonNode.Parse(firstBody)!["nextCursor"]!.GetValue<string>();

        using (var revoke = await _backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grant, tenant))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        var (second, secondBody) = await ReadAsync(HttpMethod.Get, basePath + "?limit=1&cursor=" + cursor);
        Assert.That(second, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(JsonNode.Parse(secondBody)!["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That(secondBody, Does.Not.Contain("\"items\""), "nothing of the run log");

        var newest = (await _backend.JsonAsync(HttpMethod.Get, "/api/support/audit", tenant))["items"]![0]!;
        Assert.That(newest["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
        Assert.That(newest["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That(newest["query"]!["cursor"]!.GetValue<string>(), Is.EqualTo(cursor));
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.Mint());
        using var response = await _backend.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The real store, except that reads of run records fail like a SQLite file with an I/O error while <see cref="Failing"/>.</summary>
    public sealed class FailingRunReads(IStore inner) : IStore
    {
        private volatile bool _failing;

        public bool Failing { get => _failing; set => _failing = value; }

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct)
            => Failing && sk.StartsWith(Keys.RunPrefix, StringComparison.Ordinal) ? throw IoError() : inner.GetAsync(pk, sk, ct);

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
            => Failing && request.SkPrefix.StartsWith(Keys.RunPrefix, StringComparison.Ordinal) ? throw IoError() : inner.QueryAsync(request, ct);

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);
        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);
        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);
        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);
        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);
        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);

        private static SqliteException IoError() => new("disk I/O error", 10);
    }
}
