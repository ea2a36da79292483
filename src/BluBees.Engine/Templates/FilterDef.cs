namespace BluBees.Engine.Templates;

internal delegate object? FilterFn(RenderContext ctx, object? input, FilterArgs args);

/// <summary>A built-in filter: its arity is checked at compile time, so a call never sees a missing argument it needs.</summary>
internal sealed record FilterDef(string Name, int MinArgs, int MaxArgs, FilterFn Invoke)
{
    public IReadOnlyList<string> Options { get; init; } = [];
}
