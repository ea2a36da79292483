using System.Collections.Frozen;

namespace BluBees.Engine.Templates;

/// <summary>The built-in filter table. Unknown names are compile errors, so there is no runtime lookup failure.</summary>
internal static class Filters
{
    public static FrozenDictionary<string, FilterDef> ByName { get; } =
        StringFilters.All
            .Concat(MathFilters.All)
            .Concat(ArrayFilters.All)
            .Concat(EncodingFilters.All)
            .Concat(DateMathFilters.All)
            .Concat(SmartTextFilters.All)
            .Append(DateFilter.Definition)
            .Append(new FilterDef("default", 1, 1, Default) { Options = ["allow_false"] })
            .ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The argument when the input is nil, false (unless <c>allow_false: true</c>) or empty.</summary>
    private static object? Default(RenderContext ctx, object? input, FilterArgs args)
    {
        var keepFalse = Values.IsTruthy(args.Option("allow_false"));
        var useFallback = input is null || (input is false && !keepFalse) || (input is not bool && Values.IsEmpty(input));
        return useFallback ? args[0] : input;
    }
}
