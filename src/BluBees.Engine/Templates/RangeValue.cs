namespace BluBees.Engine.Templates;

/// <summary>A lazy integer range <c>(from..to)</c>: never materialised, so <c>(1..2147483647)</c> costs nothing.</summary>
internal sealed record RangeValue(long From, long To)
{
    /// <summary>Bounds are clamped so that <see cref="Count"/> cannot overflow.</summary>
    public const long MaxBound = 1L << 52;

    public long Count => To >= From ? To - From + 1 : 0;
}

/// <summary>The <c>empty</c> and <c>blank</c> literals, which only mean something in comparisons.</summary>
internal sealed class SpecialValue
{
    private SpecialValue(string name) => Name = name;

    public static SpecialValue Empty { get; } = new("empty");

    public static SpecialValue Blank { get; } = new("blank");

    public string Name { get; }
}
