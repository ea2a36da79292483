using System.Net;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Issue 14: the Lambda Web Adapter's readiness probe (<see cref="HealthEndpoints.ReadyPath"/>, set as
/// <c>AWS_LWA_READINESS_CHECK_PATH</c> in template.yaml) must not reach the store: a slow or failing table would hold
/// every cold start. Whatever the store behind <see cref="IStore"/> (SQLite here, DynamoDB on Lambda; the DynamoDB
/// wire-level version of this is BluBees.Aws.Tests' ReadinessProbeTests), the probe answers without calling it.
/// </summary>
public sealed class ReadinessTests
{
    [Test]
    public async Task The_readiness_probe_answers_200_without_calling_the_store_even_when_every_store_call_fails()
    {
        var store = new FailingStore();
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer, services: s => s.AddSingleton<IStore>(store));

        // Hosted services may touch the store on their own schedule; only calls made while the probe runs count.
        var before = store.Calls;
        for (var probe = 0; probe < 3; probe++)
        {
            using var ready = await host.Client.GetAsync(HealthEndpoints.ReadyPath);
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(store.Calls, Is.EqualTo(before), "the readiness probe made no store call");

        // The contrast that shows the recorder works: /health reads the store and says so when it cannot.
        using var health = await host.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(store.Calls, Is.GreaterThan(before));
    }

    /// <summary>A store that counts every call and fails it.</summary>
    private sealed class FailingStore : IStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => Fail<bool>();

        public Task PutAsync(StoreItem item, CancellationToken ct) => Fail<bool>();

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => Fail<bool>();

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => Fail<StoreItem?>();

        public Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct) => Fail<QueryPage>();

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => Fail<bool>();

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => Fail<bool>();

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => Fail<int>();

        private Task<T> Fail<T>()
        {
            Interlocked.Increment(ref _calls);
            return Task.FromException<T>(new IOException("injected store failure"));
        }
    }
}
