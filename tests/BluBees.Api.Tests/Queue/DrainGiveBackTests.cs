namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The queue's side of a drain (<c>SqliteRunQueue.ReleaseAsync</c>): the give-back returns the delivery the claim
/// counted and counts the drain apart, and the claim after it is a replay (the rules that finished before the drain
/// keep their records and are not run again). Before, the give-back only cleared the lease: each drain used one of
/// <c>Runs:MaxAttempts</c>. The worker's side, over real process restarts: <c>DrainAttemptTests</c>, <c>DrainReplayTests</c>.
/// </summary>
public sealed class DrainGiveBackTests
{
    [Test]
    public async Task A_drains_give_back_returns_the_delivery_and_the_next_claim_is_a_replay()
    {
        await using var kit = QueueKit.Create();
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, new Uri("http://127.0.0.1:9/"));
        await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-9"), null, null, CancellationToken.None);

        var first = (await kit.Queue.ClaimAsync([], null, CancellationToken.None))!;
        Assert.That((first.Attempts, first.Drains, first.Replay), Is.EqualTo((1, 0, false)), "a first delivery");
        await kit.Queue.ReleaseAsync(first, [], CancellationToken.None);
        for (var drain = 1; drain <= 3; drain++)
        {
            var again = await kit.Queue.ClaimAsync([], null, CancellationToken.None);
            Assert.That((again?.Id, again?.Attempts, again?.Drains, again?.Replay), Is.EqualTo((first.Id, (int?)1, (int?)drain, (bool?)true)),
                $"after drain {drain}: still its first delivery, the drains counted apart, a replay");
            await kit.Queue.ReleaseAsync(again!, [], CancellationToken.None);
        }

        Assert.That(await kit.ScalarAsync("SELECT attempts FROM run_queue"), Is.Zero, "given back: no delivery counted while it waits");
    }
}
