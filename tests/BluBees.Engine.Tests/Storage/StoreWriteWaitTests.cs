using BluBees.Engine.Storage;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>The accept's bound on store waits: nested scopes keep the shorter bound, and an unbounded scope (a run
/// handed off from an accept) sees none, each restored when disposed, also across an await.</summary>
public sealed class StoreWriteWaitTests
{
    [Test]
    public async Task Scopes_nest_keep_the_shorter_bound_and_restore_what_was_before()
    {
        Assert.That(StoreWriteWait.CurrentSeconds, Is.Null);
        using (StoreWriteWait.Bound(TimeSpan.FromSeconds(10)))
        {
            Assert.That(StoreWriteWait.CurrentSeconds, Is.EqualTo(10));
            using (StoreWriteWait.Bound(TimeSpan.FromSeconds(30)))
            {
                Assert.That(StoreWriteWait.CurrentSeconds, Is.EqualTo(10), "an outer, shorter bound wins");
            }

            using (StoreWriteWait.Bound(TimeSpan.FromMilliseconds(1_500)))
            {
                await Task.Yield();
                Assert.That(StoreWriteWait.CurrentSeconds, Is.EqualTo(2), "whole seconds, rounded up");
            }

            Assert.That(StoreWriteWait.CurrentSeconds, Is.EqualTo(10));
        }

        Assert.That(StoreWriteWait.CurrentSeconds, Is.Null);
    }

    [Test]
    public async Task Work_started_inside_a_bound_runs_unbounded_only_where_it_says_so()
    {
        Task<int?> inherited, unbounded;
        using (StoreWriteWait.Bound(TimeSpan.FromSeconds(10)))
        {
            inherited = Task.Run(() => StoreWriteWait.CurrentSeconds);
            unbounded = Task.Run(async () =>
            {
                using var _ = StoreWriteWait.Unbounded();
                await Task.Yield();
                return StoreWriteWait.CurrentSeconds;
            });
            Assert.That(await unbounded, Is.Null);
            Assert.That(StoreWriteWait.CurrentSeconds, Is.EqualTo(10), "the caller's own bound is untouched");
        }

        Assert.That(await inherited, Is.EqualTo(10), "a task started in the scope carries its bound");
    }
}
