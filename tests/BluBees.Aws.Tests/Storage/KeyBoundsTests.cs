using BluBees.Aws.DynamoDb;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Tests.Storage;

/// <summary>The translation of the engine's half-open range into DynamoDB's inclusive key condition.</summary>
[TestFixture]
public sealed class KeyBoundsTests
{
    [Test]
    public void Prefix_becomes_between_prefix_and_its_successor_which_is_excluded()
    {
        var bounds = KeyBounds.For(new QueryRequest("T#1", "RUN#"))!;
        Assert.That(bounds, Is.EqualTo(new KeyBounds("RUN#", "RUN$", "RUN$", null)));
        Assert.That(bounds.Admits("RUN#zzz"), Is.True);
        Assert.That(bounds.Admits("RUN$"), Is.False);
    }

    [Test]
    public void Inclusive_upper_bound_is_sent_as_is_without_a_nul_character()
    {
        var bounds = KeyBounds.For(new QueryRequest("T#1", "RUN#") { SkFrom = "RUN#0002", SkTo = "RUN#0005" })!;
        Assert.That(bounds, Is.EqualTo(new KeyBounds("RUN#0002", "RUN#0005", null, null)));
        Assert.That(bounds.HighInclusive, Does.Not.Contain("\0"));
    }

    [TestCase(false, "RUN#0001", "RUN#0001")]
    [TestCase(false, "A", null)]
    [TestCase(true, "RUN#0009", "RUN#0009")]
    [TestCase(true, "Z", null)]
    public void Cursor_inside_the_range_becomes_the_exclusive_start_key_and_outside_is_dropped(bool descending, string after, string? start)
        => Assert.That(KeyBounds.For(new QueryRequest("T#1", "RUN#") { Descending = descending, StartAfter = after })!.ExclusiveStart, Is.EqualTo(start));

    [TestCase(false, "RUN$")]
    [TestCase(false, "Z")]
    [TestCase(true, "RUN#")]
    [TestCase(true, "A")]
    public void Cursor_past_the_end_means_no_query_at_all(bool descending, string after)
        => Assert.That(KeyBounds.For(new QueryRequest("T#1", "RUN#") { Descending = descending, StartAfter = after }), Is.Null);

    [Test]
    public void Code_point_order_puts_supplementary_characters_above_the_private_use_area()
    {
        Assert.That(string.CompareOrdinal("\U0001F600", "\uE000"), Is.LessThan(0), "UTF-16 ordinal");
        Assert.That(SortKeyOrder.Compare("\U0001F600", "\uE000"), Is.GreaterThan(0), "UTF-8 / code point, like DynamoDB");
        Assert.That(SortKeyOrder.Compare("ab", "abc"), Is.LessThan(0));
        Assert.That(SortKeyOrder.Compare("abc", "abc"), Is.Zero);
    }
}
