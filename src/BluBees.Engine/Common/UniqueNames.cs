using BluBees.Engine.Validation;

namespace BluBees.Engine.Common;

/// <summary>
/// Connection and rule names are unique per tenant, compared trimmed and ignoring case, so that a name picks one thing
/// (the CLI and rule import resolve connections by name). Checked when a name is given or changed: names stored before
/// the check existed may be duplicates, and such items still load and can be renamed (or saved under their old name).
/// </summary>
internal static class UniqueNames
{
    public static bool Same(string? a, string? b)
        => string.Equals(a?.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);

    /// <summary>The 409 answer for a name another item of the tenant already has; it names the field.</summary>
    public static Outcome<T> Conflict<T>(string what, string otherId)
    {
        var errors = new ValidationErrors();
        if (otherId.Length == 0)
        {
            errors.Add("name", $"another {what} was being saved with this name at the same moment; try again");
            return new Outcome<T>(OutcomeKind.Conflict, default, errors, $"Another {what} was being saved with this name at the same moment. Try again.");
        }

        errors.Add("name", $"another {what} already has this name; {what} names must be unique (ignoring case and surrounding spaces)");
        return new Outcome<T>(OutcomeKind.Conflict, default, errors,
            $"Another {what} ({otherId}) already has this name. Choose a different name: {what} names must be unique in this site, ignoring case and surrounding spaces.",
            Extra: new Dictionary<string, object?> { ["conflictsWith"] = otherId });
    }
}
