namespace BluBees.Engine.Templates;

/// <summary>
/// Numeric filters with Ruby semantics: integer arithmetic stays integral (floored division and modulo),
/// any float makes the result a float. Overflow and division by zero are runtime errors, never exceptions.
/// </summary>
internal static class MathFilters
{
    public static IEnumerable<FilterDef> All { get; } =
    [
        new("plus", 1, 1, (_, i, a) => Arithmetic("plus", i, a[0], (x, y) => checked(x + y), (x, y) => x + y)),
        new("minus", 1, 1, (_, i, a) => Arithmetic("minus", i, a[0], (x, y) => checked(x - y), (x, y) => x - y)),
        new("times", 1, 1, (_, i, a) => Arithmetic("times", i, a[0], (x, y) => checked(x * y), (x, y) => x * y)),
        new("divided_by", 1, 1, (_, i, a) => Arithmetic("divided_by", NonZero("divided_by", i, a[0]), a[0], FloorDivide, (x, y) => x / y)),
        new("modulo", 1, 1, (_, i, a) => Arithmetic("modulo", NonZero("modulo", i, a[0]), a[0], FloorModulo, Modulo)),
        new("abs", 0, 0, (_, i, _) => Arithmetic("abs", i, 0L, (x, _) => checked(Math.Abs(x)), (x, _) => Math.Abs(x))),
        new("at_least", 1, 1, (_, i, a) => Arithmetic("at_least", i, a[0], Math.Max, Math.Max)),
        new("at_most", 1, 1, (_, i, a) => Arithmetic("at_most", i, a[0], Math.Min, Math.Min)),
        new("ceil", 0, 0, (_, i, _) => Integral(ToNumber(i, "ceil"), Math.Ceiling)),
        new("floor", 0, 0, (_, i, _) => Integral(ToNumber(i, "floor"), Math.Floor)),
        new("round", 0, 1, Round),
    ];

    /// <summary>
    /// long or double; numeric strings are parsed, anything else counts as 0. A number that fits neither (an
    /// integer outside 64 bits, a number outside double's range) is a runtime error naming the filter.
    /// </summary>
    public static object ToNumber(object? value, string filter) => value switch
    {
        long or double => value,
        NumberText n => Values.Arithmetic(n, filter),
        string s => Values.Arithmetic(Values.ParseNumber(s.Trim()), filter),
        _ => 0L,
    };

    private static object Arithmetic(string name, object? left, object? right, Func<long, long, long> integer, Func<double, double, double> real)
    {
        var (a, b) = (ToNumber(left, name), ToNumber(right, name));
        try
        {
            if (a is long x && b is long y)
            {
                return integer(x, y);
            }

            var result = real(AsDouble(a), AsDouble(b));
            return double.IsFinite(result) ? result : throw TemplateFailure.Runtime($"filter '{name}': the result is not a finite number");
        }
        catch (ArithmeticException)
        {
            throw TemplateFailure.Runtime($"filter '{name}': integer overflow");
        }
    }

    private static double AsDouble(object number) => number is long l ? l : (double)number;

    private static object? NonZero(string name, object? input, object? divisor) =>
        ToNumber(divisor, name) is 0L or 0.0 ? throw TemplateFailure.Runtime("divided by 0") : input;

    private static long FloorDivide(long x, long y)
    {
        var quotient = x / y; // long.MinValue / -1 throws OverflowException: reported as overflow
        return (x % y != 0) && ((x < 0) != (y < 0)) ? quotient - 1 : quotient;
    }

    private static long FloorModulo(long x, long y)
    {
        if (y == -1)
        {
            return 0; // avoids the long.MinValue % -1 trap
        }

        var remainder = x % y;
        return remainder != 0 && ((remainder < 0) != (y < 0)) ? remainder + y : remainder;
    }

    private static double Modulo(double x, double y)
    {
        var remainder = x % y;
        return remainder != 0 && ((remainder < 0) != (y < 0)) ? remainder + y : remainder;
    }

    /// <summary>Floats rounded to an integer come back as integers when they fit.</summary>
    private static object Integral(object number, Func<double, double> round)
    {
        if (number is long)
        {
            return number;
        }

        var value = round((double)number);
        return Math.Abs(value) < 9.2e18 ? (long)value : (object)value;
    }

    private static object? Round(RenderContext ctx, object? input, FilterArgs args)
    {
        var number = ToNumber(input, "round");
        var digits = args.Integer(0, 0);
        if (number is long || digits <= 0)
        {
            return Integral(number, d => Math.Round(d, MidpointRounding.AwayFromZero));
        }

        return Math.Round((double)number, (int)Math.Min(digits, 15), MidpointRounding.AwayFromZero);
    }
}
