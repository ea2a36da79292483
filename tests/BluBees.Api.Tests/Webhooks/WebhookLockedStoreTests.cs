using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A signed delivery to a hook no rule uses while another process holds the SQLite file's write lock (an operator's
/// <c>sqlite3</c> shell, a backup tool): its replay record cannot be written, so it is answered 503 with Retry-After
/// within the accept's bound (<c>SqliteRunQueue.AcceptLockWait</c>), as an event is, while the lock is still held.
/// Before, the write waited the connection's 30 s command timeout: past the forwarder's 25 s, so the sender's call
/// failed with no answer at all.
/// </summary>
[NonParallelizable]
public sealed class WebhookLockedStoreTests : WebhookKit
{
    [Test]
    public async Task A_delivery_whose_replay_record_cannot_be_written_is_answered_503_with_retry_after_while_the_lock_is_held()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var body = OrderBody("L-1", "locked");
        // Stamped ahead: the held lock's helper moves the fake clock on while it waits, and the delivery must stay fresh.
        var ts = (Clock.GetUtcNow().ToUnixTimeSeconds() + 290).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Sign(secret, ts, body);

        var answer = await HeldWriteLock.SendAsync(Backend.DataDirectory, Clock, () => DeliverAsync(tenant, hookId, body, signature, ts));

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable), answer.Body);
            Assert.That(answer.RetryAfter, Is.True, "Retry-After");
            Assert.That(answer.AnsweredWhileHeld, Is.True, "answered while the lock was still held, not after the connection's 30 s");
            Assert.That(answer.Body, Does.Not.Contain("SQLite"), "a ProblemDetails without internals");
        });
    }
}
