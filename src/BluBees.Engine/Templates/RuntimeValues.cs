using System.Text.Json.Nodes;

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

/// <summary>The <c>forloop</c> object of one running loop.</summary>
internal sealed class ForLoopState(long length, ForLoopState? parent)
{
    public long Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => Index0 + 1,
        "index0" => Index0,
        "rindex" => length - Index0,
        "rindex0" => length - Index0 - 1,
        "first" => Index0 == 0,
        "last" => Index0 == length - 1,
        "length" => length,
        "parentloop" => parent,
        _ => null,
    };
}

/// <summary>
/// Uniform read-only view over the engine's sequence values: a scope <see cref="JsonArray"/>, a list built by a
/// filter (never mutated after creation) or a lazy <see cref="RangeValue"/>.
/// </summary>
internal sealed class Seq
{
    private readonly JsonArray? _json;
    private readonly List<object?>? _list;
    private readonly RangeValue? _range;

    private Seq(JsonArray? json, List<object?>? list, RangeValue? range) => (_json, _list, _range) = (json, list, range);

    public long Count => _json?.Count ?? _list?.Count ?? _range!.Count;

    public object? this[long index] => _json is not null ? Values.FromNode(_json[(int)index])
        : _list is not null ? _list[(int)index]
        : _range!.From + index;

    public static Seq? From(object? value) => value switch
    {
        JsonArray json => new Seq(json, null, null),
        List<object?> list => new Seq(null, list, null),
        RangeValue range => new Seq(null, null, range),
        _ => null,
    };

    /// <summary>Sequences as they are; nil as empty; anything else as a one-element sequence (Liquid's filter input rule).</summary>
    public static Seq Coerce(object? value) => From(value) ?? new Seq(null, value is null ? [] : [value], null);

    /// <summary>Enumerates, charging one step per element so huge ranges and arrays end on the step limit.</summary>
    public IEnumerable<object?> Items(RenderContext ctx)
    {
        var count = Count;
        for (long i = 0; i < count; i++)
        {
            ctx.Step();
            yield return this[i];
        }
    }

    public List<object?> ToList(RenderContext ctx) => [.. Items(ctx)];
}
