using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

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

    public object? this[long index] => At(index, null);

    /// <summary>The element at <paramref name="index"/>; reading a scope string is charged to <paramref name="ctx"/> by its length.</summary>
    public object? At(long index, RenderContext? ctx) => _json is not null ? Values.FromNode(_json[(int)index], ctx)
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
            yield return At(i, ctx);
        }
    }

    public List<object?> ToList(RenderContext ctx) => [.. Items(ctx)];
}
