using BluBees.Engine.Runs;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Runs;

/// <summary>
/// The worker's per-tenant shares: a claim refused at the cap is remembered, so that the give freeing that share
/// tells the worker to wake its claim loop (the loop sleeps after a claim that took nothing).
/// </summary>
public sealed class TenantSharesTests
{
    [Test]
    public void The_SQS_batch_keeps_the_same_worker_reserve_as_the_embedded_worker()
    {
        // Sqs/BatchShares reads RunOptions.WorkerReserve (the AWS project sees only the engine's public surface).
        for (var workers = 1; workers <= 64; workers++)
        {
            for (var cap = 1; cap <= workers; cap++)
            {
                var options = new Execution.RunOptions { WorkerConcurrency = workers, PerTenantConcurrency = cap };
                Assert.That(options.WorkerReserve, Is.EqualTo(TenantShares.Reserve(workers, cap)), $"{workers} workers, {cap} per tenant");
            }
        }
    }

    [Test]
    public void A_give_after_a_refused_claim_says_so_once()
    {
        var shares = new TenantShares(1);
        Assert.Multiple(() =>
        {
            Assert.That(shares.TryClaim("t1"), Is.True);
            Assert.That(shares.TryClaim("t1"), Is.False, "at the cap");
            Assert.That(shares.TryClaim("t2"), Is.True, "another tenant's share is its own");
            Assert.That(shares.Give("t1"), Is.True, "a claim was refused this share");
            Assert.That(shares.TryClaim("t1"), Is.True, "the share is free again");
            Assert.That(shares.Give("t1"), Is.False, "nothing was refused since the last give");
            Assert.That(shares.Give("t2"), Is.False);
        });
    }

    [Test]
    public void A_refused_hand_off_is_not_a_refused_claim()
    {
        // The hand-off's refusal needs no wake: its message is written unleased and the accept wakes the loop itself.
        var shares = new TenantShares(1);
        Assert.Multiple(() =>
        {
            Assert.That(shares.TryTake("t1"), Is.True);
            Assert.That(shares.TryTake("t1"), Is.False);
            Assert.That(shares.Give("t1"), Is.False);
            Assert.That(shares.TryTake("t1"), Is.True, "given back");
        });
    }

    [Test]
    public void Refusals_of_several_claims_are_reported_by_the_next_give_only()
    {
        var shares = new TenantShares(2, new Dictionary<string, int> { ["t1"] = 2 });
        Assert.Multiple(() =>
        {
            Assert.That(shares.TryClaim("t1"), Is.False);
            Assert.That(shares.TryClaim("t1"), Is.False);
            Assert.That(shares.Give("t1"), Is.True);
            Assert.That(shares.Give("t1"), Is.False, "the refusals were reported already");
            Assert.That(shares.TryClaim("t1"), Is.True);
            Assert.That(shares.TryClaim("t1"), Is.True, "both shares are free");
        });
    }

    [TestCase(16, 8, 2)]
    [TestCase(16, 16, 0)]
    [TestCase(16, 15, 1)]
    [TestCase(4, 2, 1)]
    [TestCase(2, 1, 1)]
    [TestCase(1, 1, 0)]
    [TestCase(64, 8, 8)]
    public void The_reserve_is_an_eighth_of_the_workers_but_never_below_one_tenants_cap(int workers, int cap, int reserve)
        => Assert.That(TenantShares.Reserve(workers, cap), Is.EqualTo(reserve));

    [Test]
    public void Tenants_already_running_leave_the_reserve_to_tenants_with_nothing_running()
    {
        // 4 workers, 2 per tenant: one is kept for tenants with nothing running. (The worker's slots bound the total.)
        var shares = new TenantShares(2, workers: 4);
        Assert.Multiple(() =>
        {
            Assert.That(shares.TryClaim("a"), Is.True);
            Assert.That(shares.TryClaim("a"), Is.True, "a reaches its cap: 2 of 4 held");
            Assert.That(shares.TryClaim("b"), Is.True, "b's first: 3 of 4 held");
            Assert.That(shares.TryClaim("b"), Is.False, "b already runs, and the last worker is the reserve");
            Assert.That(shares.TryTake("c"), Is.True, "c has nothing running: it gets the reserve");
            Assert.That(shares.Give("c"), Is.True, "b's claim was refused for the reserve: any give wakes the loop");
            Assert.That(shares.Give("a"), Is.False, "nothing refused since");
            Assert.That(shares.TryClaim("b"), Is.True, "2 of 4 held again, so b's second fits");
        });
    }
}
