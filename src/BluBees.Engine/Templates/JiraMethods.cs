using System.Collections.Frozen;

namespace BluBees.Engine.Templates;

/// <summary>
/// Jira Automation's method syntax on values (<c>now.plusDays(3).format("yyyy-MM-dd")</c>,
/// <c>issue.summary.toUpperCase()</c>, <c>issue.created.jiraDate</c>) translated at compile time onto the engine's
/// filters, so both spellings share one implementation, one argument check and the same work charging. Only this
/// table's names are callable: a method call is never reflection or evaluation of anything else. Names Jira has but
/// BluBees does not support are compile errors that say why.
/// </summary>
internal static class JiraMethods
{
    /// <summary>Jira method name → filter name.</summary>
    private static readonly FrozenDictionary<string, string> Methods = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Dates (https://support.atlassian.com/cloud-automation/docs/jira-smart-values-date-and-time/)
        ["plusSeconds"] = "plus_seconds", ["minusSeconds"] = "minus_seconds",
        ["plusMinutes"] = "plus_minutes", ["minusMinutes"] = "minus_minutes",
        ["plusHours"] = "plus_hours", ["minusHours"] = "minus_hours",
        ["plusDays"] = "plus_days", ["minusDays"] = "minus_days",
        ["plusWeeks"] = "plus_weeks", ["minusWeeks"] = "minus_weeks",
        ["plusMonths"] = "plus_months", ["minusMonths"] = "minus_months",
        ["plusYears"] = "plus_years", ["minusYears"] = "minus_years",
        ["plusBusinessDays"] = "plus_business_days", ["minusBusinessDays"] = "minus_business_days",
        ["toBusinessDay"] = "to_business_day", ["toBusinessDayBackwards"] = "to_business_day_backwards",
        ["startOfMonth"] = "start_of_month", ["endOfMonth"] = "end_of_month",
        ["firstBusinessDayOfMonth"] = "first_business_day_of_month", ["lastBusinessDayOfMonth"] = "last_business_day_of_month",
        ["format"] = "format", ["as"] = "format", ["toDate"] = "to_date",
        ["jiraDate"] = "jira_date", ["jiraDateTime"] = "jira_date_time", ["jqlDate"] = "jql_date", ["jqlDateTime"] = "jql_date_time",
        ["setTimeZone"] = "set_time_zone", ["convertToTimeZone"] = "convert_to_time_zone",
        ["diff"] = "diff", ["isAfter"] = "is_after", ["isBefore"] = "is_before", ["isEquals"] = "is_equals", ["compareTo"] = "compare_to",

        // Text (https://support.atlassian.com/cloud-automation/docs/jira-smart-values-text-fields/)
        ["toUpperCase"] = "upcase", ["toLowerCase"] = "downcase", ["capitalize"] = "capitalize", ["trim"] = "strip",
        ["concat"] = "append", ["replace"] = "replace", ["remove"] = "remove", ["split"] = "split", ["abbreviate"] = "truncate",
        ["substring"] = "substring", ["left"] = "left", ["right"] = "right", ["length"] = "size",
        ["startsWith"] = "starts_with", ["endsWith"] = "ends_with", ["equals"] = "equals", ["equalsIgnoreCase"] = "equals_ignore_case",
        ["indexOf"] = "index_of", ["charAt"] = "char_at", ["isEmpty"] = "is_empty", ["isNotEmpty"] = "is_not_empty",
        ["asNumber"] = "as_number", ["htmlEncode"] = "escape", ["urlEncode"] = "url_encode",

        // Lists and math (https://support.atlassian.com/cloud-automation/docs/jira-smart-values-lists/,
        // https://support.atlassian.com/cloud-automation/docs/jira-smart-values-math-expressions/)
        ["join"] = "join", ["distinct"] = "uniq", ["sum"] = "sum", ["average"] = "average", ["max"] = "max", ["min"] = "min",
        ["plus"] = "plus", ["minus"] = "minus", ["multiply"] = "times", ["divide"] = "divided_by",
        ["abs"] = "abs", ["round"] = "round", ["ceil"] = "ceil", ["floor"] = "floor",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Zero-argument functions Jira also writes without parentheses (<c>issue.created.jiraDate</c>), plus the named date formats.</summary>
    private static readonly FrozenSet<string> Properties = new[]
    {
        "jiraDate", "jiraDateTime", "jqlDate", "jqlDateTime", "toDate", "toBusinessDay", "toBusinessDayBackwards",
        "startOfMonth", "endOfMonth", "firstBusinessDayOfMonth", "lastBusinessDayOfMonth",
        "asNumber", "isEmpty", "isNotEmpty", "htmlEncode", "urlEncode", "distinct", "sum", "average", "max", "min",
        "abs", "round", "ceil", "floor", "trim", "toUpperCase", "toLowerCase", "capitalize", "length",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Jira functions left out on purpose, with the reason given at compile time.</summary>
    private static readonly FrozenDictionary<string, string> Unsupported = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["match"] = "regular expressions are not supported (a hostile pattern can take unbounded time); use contains or split",
        ["replaceAll"] = "regular expressions are not supported (a hostile pattern can take unbounded time); use replace",
        ["withLocale"] = "locales are not supported; dates are formatted in the US locale",
        ["locale"] = "locales are not supported; dates are formatted in the US locale",
        ["jsonEncode"] = "use the json filter (it adds the surrounding quotes)",
        ["xmlEncode"] = "use the escape filter",
        ["quote"] = "use the json filter",
        ["get"] = "use an index: list[0]",
        ["getFromEnd"] = "use a negative index: list[-1]",
        ["flatten"] = "not supported",
        ["withNextDayOfWeek"] = "not supported; use plus_days",
        ["withDayOfMonth"] = "not supported; use start_of_month with plus_days",
        ["withMonth"] = "not supported; use plus_months",
        ["withYear"] = "not supported; use plus_years",
        ["withHour"] = "not supported; use start_of_day with plus_hours",
        ["withMinute"] = "not supported; use plus_minutes",
        ["withSecond"] = "not supported; use plus_seconds",
        ["plusMillis"] = "not supported; use plus_seconds",
        ["minusMillis"] = "not supported; use minus_seconds",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The filter a method call maps to; a compile error for unknown or unsupported names and wrong argument counts.</summary>
    public static FilterCall Call(string method, IReadOnlyList<Expr> args, int offset)
    {
        if (Unsupported.TryGetValue(method, out var why))
        {
            throw TemplateFailure.Syntax($"function '{method}' is not supported: {why}", offset);
        }

        var filter = Methods.TryGetValue(method, out var name) && Filters.ByName.TryGetValue(name, out var def) ? def
            : throw TemplateFailure.Syntax($"unknown function '{ExprParser.Shorten(method)}'", offset);
        if (args.Count < filter.MinArgs || args.Count > filter.MaxArgs)
        {
            var expected = filter.MinArgs == filter.MaxArgs ? $"{filter.MinArgs}" : $"{filter.MinArgs} to {filter.MaxArgs}";
            throw TemplateFailure.Syntax($"function '{method}' expects {expected} argument(s), got {args.Count}", offset);
        }

        return new FilterCall(filter, args, FilterArgs.NoOptionExprs, offset);
    }

    /// <summary>A property-style function (<c>.jiraDate</c>, <c>.shortDate</c>), or null for an ordinary member name.</summary>
    public static FilterCall? Property(string name, int offset)
    {
        if (JiraDates.NamedFormats.Contains(name) && !Methods.ContainsKey(name))
        {
            return new FilterCall(Filters.ByName["format"], [new LiteralExpr(name, offset)], FilterArgs.NoOptionExprs, offset);
        }

        return Properties.Contains(name) ? Call(name, [], offset) : null;
    }
}
