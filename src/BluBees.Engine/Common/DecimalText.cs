using System.Globalization;
using System.Numerics;

namespace BluBees.Engine.Common;

/// <summary>
/// Exact comparison of decimal number texts (JSON numbers, numeric strings, round-trip doubles) of any size,
/// without scaling either side: each is reduced to a sign, its significant digits and a decimal exponent, so
/// <c>1e999999999</c> costs no more than <c>1</c>. Accepts what <c>NumberStyles.Float</c> accepts: surrounding
/// white space, a leading sign, a decimal point and an exponent.
/// </summary>
public static class DecimalText
{
    public static bool IsNumber(string text) => TryNormalize(text, out _);

    /// <summary>
    /// The number in JSON grammar: the text itself when it already is (<c>1e400</c>), else normalized
    /// (<c>.5E400</c> → <c>0.5e400</c>); null when the text is not a number.
    /// </summary>
    public static string? ToJson(string text) => IsJson(text) ? text
        : !TryNormalize(text, out var n) ? null
        : n.Sign == 0 ? "0"
        : string.Create(CultureInfo.InvariantCulture, $"{(n.Sign < 0 ? "-" : "")}0.{n.Digits}e{n.Exponent}");

    /// <summary>-1, 0 or 1; null when either text is not a number.</summary>
    public static int? Compare(string left, string right)
    {
        if (long.TryParse(left, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x)
            && long.TryParse(right, NumberStyles.Integer, CultureInfo.InvariantCulture, out var y))
        {
            return x.CompareTo(y); // the common case, without allocating
        }

        if (!TryNormalize(left, out var a) || !TryNormalize(right, out var b))
        {
            return null;
        }

        if (a.Sign != b.Sign || a.Sign == 0)
        {
            return a.Sign.CompareTo(b.Sign);
        }

        var magnitude = a.Exponent != b.Exponent
            ? a.Exponent.CompareTo(b.Exponent)
            : a.Digits.AsSpan().SequenceCompareTo(b.Digits.AsSpan());
        return a.Sign * Math.Sign(magnitude);
    }

    /// <summary>JSON's number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    public static bool IsJson(ReadOnlySpan<char> s)
    {
        s = s.Length > 0 && s[0] == '-' ? s[1..] : s;
        var whole = Digits(ref s);
        if (whole.Length == 0 || (whole.Length > 1 && whole[0] == '0'))
        {
            return false;
        }

        if (s.Length > 0 && s[0] == '.')
        {
            s = s[1..];
            if (Digits(ref s).Length == 0)
            {
                return false;
            }
        }

        if (s.Length > 0 && s[0] is 'e' or 'E')
        {
            s = s[1..];
            s = s.Length > 0 && s[0] is '-' or '+' ? s[1..] : s;
            if (Digits(ref s).Length == 0)
            {
                return false;
            }
        }

        return s.Length == 0;
    }

    /// <summary>value = sign × 0.Digits × 10^Exponent, Digits without leading or trailing zeros (empty for 0).</summary>
    private readonly record struct Normal(int Sign, string Digits, BigInteger Exponent);

    private static bool TryNormalize(string text, out Normal normal)
    {
        normal = default;
        var s = text.AsSpan().Trim();
        var negative = s.Length > 0 && s[0] == '-';
        s = s.Length > 0 && s[0] is '-' or '+' ? s[1..] : s;
        var whole = Digits(ref s);
        var fraction = ReadOnlySpan<char>.Empty;
        if (s.Length > 0 && s[0] == '.')
        {
            s = s[1..];
            fraction = Digits(ref s);
        }

        if (whole.Length + fraction.Length == 0 || !TryExponent(s, out var exponent))
        {
            return false;
        }

        var digits = string.Concat(whole, fraction);
        var leading = digits.Length - digits.TrimStart('0').Length;
        var significant = digits.Trim('0');
        if (significant.Length == 0)
        {
            return true; // zero (of either sign)
        }

        var point = whole.Length - leading + exponent;
        normal = new Normal(negative ? -1 : 1, significant, point);
        return true;
    }

    private static ReadOnlySpan<char> Digits(scoped ref ReadOnlySpan<char> s)
    {
        var n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }

        var digits = s[..n];
        s = s[n..];
        return digits;
    }

    /// <summary>An optional exponent (any size: texts come from bounded payloads).</summary>
    private static bool TryExponent(ReadOnlySpan<char> s, out BigInteger exponent)
    {
        exponent = 0;
        if (s.Length == 0)
        {
            return true;
        }

        if (s[0] is not ('e' or 'E'))
        {
            return false;
        }

        s = s[1..];
        var negative = s.Length > 0 && s[0] == '-';
        s = s.Length > 0 && s[0] is '-' or '+' ? s[1..] : s;
        var digits = Digits(ref s);
        if (digits.Length == 0 || s.Length != 0)
        {
            return false;
        }

        exponent = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        exponent = negative ? -exponent : exponent;
        return true;
    }
}
