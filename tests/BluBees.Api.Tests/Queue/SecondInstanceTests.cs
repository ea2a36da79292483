using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A "deploy" that starts the new backend before the old one has stopped, on the same data directory. One database
/// file has one consuming backend (docs/operations.md): the new one reclaims every lease at start, so it would run
/// the old one's in-flight message a second time while the old one is still running it. The second backend must
/// refuse to start instead, and start once the first has stopped.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SecondInstanceTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private TestIssuer _issuer = null!;
    private string _dataDirectory = null!;

    [OneTimeSetUp]
    public async Task StartIssuerAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopIssuerAsync() => await _issuer.DisposeAsync();

    [SetUp]
    public void NewDirectory() => _dataDirectory = Path.Combine(Path.GetTempPath(), "blubees-tests", "second-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteDirectory()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<BackendHost> StartAsync()
        => BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory });

    [Test]
    public async Task A_second_backend_on_the_same_data_directory_refuses_to_start_and_the_run_in_flight_runs_once()
    {
        await using var sink = await SlowSink.StartAsync();
        sink.HangMarker = "/tickets/OPS-1";
        var tenant = Samples.NewTenant();
        await using (var first = await StartAsync())
        {
            var connection = await first.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(sink.Address, "t0ken"), 201);
            await first.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
            using (var accepted = await first.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-1", "in flight")))
            {
                Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }

            await Waits.UntilAsync(() => Task.FromResult(sink.Count("/tickets/OPS-1")), n => n > 0, Generous);

            var refused = await Assert.ThrowsAsync<Engine.Runs.BackendAlreadyRunningException>(async () =>
            {
                await using var second = await StartAsync();
            }, "the second backend started on a data directory another backend is using");
            Assert.That(refused!.Message, Does.Contain(_dataDirectory), "the refusal names the directory");

            sink.ReleaseHung();
            var runs = await Waits.UntilAsync(() => RunsAsync(first, tenant), r => r.Count > 0, Generous);
            Assert.Multiple(() =>
            {
                Assert.That(runs.Select(r => r["status"]!.GetValue<string>()), Is.EqualTo(new[] { "succeeded" }), "one record");
                Assert.That(sink.Count("/tickets/OPS-1"), Is.EqualTo(1), "the first backend's run was not started a second time");
            });
        }

        // Once the first has stopped, the next one starts on the same data and has its data.
        await using var next = await StartAsync();
        Assert.That(await RunsAsync(next, tenant), Has.Count.EqualTo(1));
    }

    private static async Task<List<JsonNode>> RunsAsync(BackendHost backend, string tenant)
        => (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Select(n => n!).ToList();
}
