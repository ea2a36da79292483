namespace BluBees.Engine.Templates;

/// <summary>
/// A number whose text long/double would not print back: a scope number such as <c>1.10</c>, <c>1e5</c> or
/// <c>123456789012345678901234567890</c>, or any number too large for a double (<c>1e400</c>). Outputs and JSON
/// keep <see cref="Text"/>; comparisons are exact (<see cref="Common.DecimalText"/>); arithmetic uses
/// <see cref="Value"/> and fails when there is none. The common case (a long or double that round-trips) is
/// never wrapped.
/// </summary>
internal sealed class NumberText(string text, object? value)
{
    /// <summary>The number's JSON text, as it came.</summary>
    public string Text { get; } = text;

    /// <summary>
    /// The long or double used by arithmetic (an integer beyond 64 bits is the nearest double, as in Jira); null
    /// for a number outside double's range, where arithmetic fails rather than compute on 0 or infinity.
    /// </summary>
    public object? Value { get; } = value;

    public override string ToString() => Text;
}
