namespace BluBees.Engine.Validation;

/// <summary>
/// Names and reasons people read in lists, logs and audits (rule, connection and webhook names, a support grant's
/// reason): no control characters (line breaks, NUL) and no text-direction controls (bidi embeddings, overrides,
/// isolates and marks), which can make a shown name read as something else.
/// </summary>
public static class DisplayText
{
    /// <summary>Whether <paramref name="text"/> holds a control or text-direction character.</summary>
    public static bool HasUnsafeCharacters(string text) => text.Any(IsUnsafe);

    /// <summary>
    /// <paramref name="text"/> with each control or text-direction character replaced by U+FFFD, for text that is
    /// recorded as given but shown to someone else (a support read's route and filters in the tenant's audit).
    /// </summary>
    public static string Neutralized(string text)
        => HasUnsafeCharacters(text) ? string.Create(text.Length, text, (span, t) =>
        {
            for (var i = 0; i < t.Length; i++)
            {
                span[i] = IsUnsafe(t[i]) ? '\uFFFD' : t[i];
            }
        }) : text;

    /// <summary>
    /// Whether <paramref name="text"/> holds a control character or any format character (text direction, zero width,
    /// byte order mark): stricter than <see cref="HasUnsafeCharacters"/>, for identifiers that hold none (a Jira project
    /// key, issue type name or field id; a URL, which would carry one only percent-encoded).
    /// </summary>
    public static bool HasControlOrFormatCharacters(string text)
        => text.Any(c => char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);

    private static bool IsUnsafe(char c)
        => char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';
}
