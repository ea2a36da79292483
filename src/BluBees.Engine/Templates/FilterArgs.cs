using System.Globalization;

namespace BluBees.Engine.Templates;

/// <summary>Evaluated filter arguments with Liquid-style coercions; bad types become runtime errors that name the filter.</summary>
internal sealed class FilterArgs(string filter, object?[] positional, IReadOnlyDictionary<string, object?> options)
{
    public static IReadOnlyDictionary<string, object?> NoOptions { get; } = new Dictionary<string, object?>();

    /// <summary>No keyword arguments, for calls built from Jira's method syntax.</summary>
    internal static IReadOnlyDictionary<string, Expr> NoOptionExprs { get; } = new Dictionary<string, Expr>();

    public int Count => positional.Length;

    public object? this[int index] => index < positional.Length ? positional[index] : null;

    public object? Option(string name) => options.TryGetValue(name, out var value) ? value : null;

    public string Text(int index, RenderContext ctx, string fallback = "") =>
        index < positional.Length && positional[index] is not null ? Values.ToText(positional[index], ctx) : fallback;

    public long Integer(int index, long fallback) =>
        index < positional.Length && positional[index] is not null
            ? ToInteger(positional[index]) ?? throw TemplateFailure.Runtime($"filter '{filter}': argument {index + 1} must be a number")
            : fallback;

    /// <summary>Integers as they are, floats truncated, numeric strings parsed, nil as 0; null when not a number.</summary>
    public static long? ToInteger(object? value) => value switch
    {
        long l => l,
        double d when double.IsFinite(d) => (long)Math.Clamp(Math.Truncate(d), -RangeValue.MaxBound, RangeValue.MaxBound),
        NumberText n => ToInteger(n.Value ?? (n.Text.StartsWith('-') ? double.MinValue : double.MaxValue)), // clamped like any huge double
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            => ToInteger(Values.ParseNumber(s.Trim())),
        null => 0,
        _ => null,
    };
}
