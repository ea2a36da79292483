using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using BluBees.Api.Tests.Scheduling;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A life-cycle event (installed, upgraded) while another process holds the SQLite file's write lock (an operator's
/// <c>sqlite3</c> shell, a backup tool): its writes (the uninstall mark cleared, the tenant record and directory entry,
/// the data key) cannot be made, so it is answered 503 with Retry-After within a Forge event's bound
/// (<c>SqliteRunQueue.EventAcceptLockWait</c>) while the lock is still held, as a product event is. Before, each write
/// waited the connection's 30 s command timeout: far past the 5 s Forge gives a remote to answer a trigger's event, so
/// the delivery failed with no answer. Forge's redelivery, once the lock is free, installs the tenant.
/// </summary>
[NonParallelizable]
public sealed class LifecycleLockedStoreTests : FakeClockFixture
{
    [TestCase("avi:forge:installed:app", "installed")]
    [TestCase("avi:forge:upgraded:app", "upgraded")]
    public async Task A_lifecycle_event_whose_writes_cannot_be_made_is_answered_503_while_the_lock_is_held_and_its_retry_succeeds(string eventType, string status)
    {
        var tenant = Samples.NewTenant();
        if (eventType == "avi:forge:upgraded:app")
        {
            using var installed = await LifecycleAsync(tenant, "avi:forge:installed:app");
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK), "installed before the upgrade");
        }

        var answer = await HeldWriteLock.SendAsync(Backend.DataDirectory, Clock, () => LifecycleAsync(tenant, eventType));

        Assert.Multiple(() =>
        {
            Assert.That(answer.AnsweredWhileHeld, Is.True, "answered while the lock was still held, not after the connection's 30 s");
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.Body);
            Assert.That(answer.RetryAfter, Is.True, "Retry-After");
            Assert.That(answer.Body, Does.Contain("\"status\":503").And.Not.Contain("SQLite"), "a ProblemDetails without internals");
        });

        using (var retry = await LifecycleAsync(tenant, eventType))
        {
            var text = await retry.Content.ReadAsStringAsync();
            Assert.That(retry.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(JsonNode.Parse(text)!["status"]!.GetValue<string>(), Is.EqualTo(status));
        }

        var store = Backend.Services.GetRequiredService<IStore>();
        var meta = await store.GetAsync(Keys.Tenant(tenant), Keys.TenantMeta, CancellationToken.None);
        var dataKey = await store.GetAsync(Keys.Tenant(tenant), Keys.DataKey, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(meta, Is.Not.Null, "the tenant record");
            Assert.That(dataKey, Is.Not.Null, "the data key");
            Assert.That(Backend.Logs.AllText, Does.Not.Contain("Unhandled"));
        });
    }

    private Task<HttpResponseMessage> LifecycleAsync(string tenant, string eventType)
        => Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/lifecycle", ForgeToken(tenant, "/forge/lifecycle"),
            new JsonObject { ["eventType"] = eventType }, withUserToken: false);
}
