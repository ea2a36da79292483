using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Tenancy;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Runs;

/// <summary>
/// The accepted messages kept opened for their claim (<see cref="OpenedMessages"/>) are bounded in entries and in
/// ciphertext characters, answer only the tenant and exact text they were kept for, and are gone once taken.
/// </summary>
public sealed class OpenedMessagesBoundsTests
{
    private static RunMessage Message(string tenant, string id) => new(new TenantContext(tenant, "cloud", null), RunSource.Event, "{}", DateTimeOffset.UnixEpoch, Id: id);

    [Test]
    public void A_kept_message_is_answered_once_for_its_tenant_and_exact_text()
    {
        var opened = new OpenedMessages(capacity: 8, maxCharacters: 1_000);
        var message = Message("t1", "m1");
        opened.Keep("m1", "t1", "cipher-1", message);
        opened.Keep("m2", "t1", "cipher-2", Message("t1", "m2"));
        opened.Keep("m3", "t1", "cipher-3", Message("t1", "m3"));

        var taken = opened.TryTake("m1", "t1", "cipher-1", out var answer);
        var again = opened.TryTake("m1", "t1", "cipher-1", out _);
        var otherTenant = opened.TryTake("m2", "t2", "cipher-2", out _);
        var otherText = opened.TryTake("m3", "t1", "cipher-3x", out _);

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.True);
            Assert.That(answer, Is.SameAs(message));
            Assert.That(again, Is.False, "taking removes it");
            Assert.That(otherTenant, Is.False, "kept for another tenant");
            Assert.That(otherText, Is.False, "the row carries another text");
            Assert.That(opened.Count, Is.Zero, "a mismatched take drops the entry too");
        });
    }

    [Test]
    public void Past_its_entry_capacity_it_starts_over()
    {
        var opened = new OpenedMessages(capacity: 3, maxCharacters: 1_000);
        for (var i = 0; i < 3; i++)
        {
            opened.Keep("m" + i, "t1", "c" + i, Message("t1", "m" + i));
        }

        var full = opened.Count;
        opened.Keep("m3", "t1", "c3", Message("t1", "m3"));

        Assert.Multiple(() =>
        {
            Assert.That(full, Is.EqualTo(3));
            Assert.That(opened.Count, Is.EqualTo(1));
            Assert.That(opened.TryTake("m0", "t1", "c0", out _), Is.False, "dropped when it started over");
            Assert.That(opened.TryTake("m3", "t1", "c3", out _), Is.True);
        });
    }

    [Test]
    public void Past_its_character_budget_it_starts_over_and_a_text_larger_than_the_budget_is_never_kept()
    {
        var opened = new OpenedMessages(capacity: 100, maxCharacters: 10);
        opened.Keep("m1", "t1", new string('a', 6), Message("t1", "m1"));
        opened.Keep("m2", "t1", new string('b', 6), Message("t1", "m2")); // 12 > 10: starts over, then keeps this one
        var afterSecond = opened.Count;
        opened.Keep("m3", "t1", new string('c', 11), Message("t1", "m3"));

        Assert.Multiple(() =>
        {
            Assert.That(afterSecond, Is.EqualTo(1));
            Assert.That(opened.TryTake("m1", "t1", new string('a', 6), out _), Is.False);
            Assert.That(opened.TryTake("m3", "t1", new string('c', 11), out _), Is.False, "larger than the whole budget");
            Assert.That(opened.TryTake("m2", "t1", new string('b', 6), out _), Is.True, "the budget was not spent by the refused one");
        });
    }

    [Test]
    public void Removing_and_forgetting_a_tenant_free_their_characters()
    {
        var opened = new OpenedMessages(capacity: 100, maxCharacters: 10);
        opened.Keep("m1", "t1", "aaaa", Message("t1", "m1"));
        opened.Keep("m2", "t2", "bbbb", Message("t2", "m2"));
        opened.ForgetTenant("t1");
        opened.Remove("m2");
        // Had the 8 characters stayed counted, the second keep below would start over (leaving 1 entry, not 2).
        opened.Keep("m3", "t3", "cc", Message("t3", "m3"));
        opened.Keep("m4", "t3", new string('d', 8), Message("t3", "m4"));

        Assert.Multiple(() =>
        {
            Assert.That(opened.Count, Is.EqualTo(2));
            Assert.That(opened.TryTake("m3", "t3", "cc", out _), Is.True);
        });
    }
}
