using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Events;

/// <summary>
/// Checks, before anything is queued, that every part of an event the engine reads has the documented JSON kind
/// (https://developer.atlassian.com/platform/forge/events-reference/jira/): <c>issue {id, key, fields{project,
/// issuetype, status, ...}}</c>, <c>changelog {id, items[]}</c>, <c>comment {id, body (ADF), author}</c>,
/// <c>associatedStatuses[]</c>, <c>associatedUsers[]</c>, <c>user</c>, <c>atlassianId</c>, <c>timestamp</c>,
/// <c>webhookTraceValue</c>, <c>retryContext</c>. Other properties pass through untouched. Errors name the field
/// path and the expected kind, never the value sent.
/// </summary>
public static class EventShape
{
    /// <summary>Longest <c>webhookTraceValue</c> accepted (ours are about 40 characters).</summary>
    public const int MaxTraceLength = 200;

    /// <summary>Validates <paramref name="body"/>; field paths are prefixed with <paramref name="prefix"/> (e.g. <c>event.</c>).</summary>
    public static Dictionary<string, string> Check(JsonObject body, string prefix, bool requireIssue)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var check = new Checker(errors, prefix);
        if (check.Kind(body, "timestamp", Kinds.String | Kinds.Number) && body["timestamp"] is JsonValue stamp && !IsTimestamp(stamp))
        {
            check.Fail("timestamp", "must be epoch milliseconds (a whole number, or its digits as a string) or an ISO 8601 date-time");
        }

        check.Kind(body, "atlassianId", Kinds.String | Kinds.Null);
        check.Kind(body, "selfGenerated", Kinds.Boolean | Kinds.Null);
        check.Kind(body, "retryContext", Kinds.Object | Kinds.Null);
        check.Kind(body, "webhook", Kinds.Object);
        if (check.Kind(body, "webhookTraceValue", Kinds.String | Kinds.Null) && JiraEvent.Text(body["webhookTraceValue"]) is { Length: > MaxTraceLength })
        {
            errors[prefix + "webhookTraceValue"] = $"must be at most {MaxTraceLength} characters";
        }

        if (body.ContainsKey("issue") || requireIssue)
        {
            Issue(check, body, requireIssue);
        }

        if (check.Kind(body, "changelog", Kinds.Object | Kinds.Null) && body["changelog"] is JsonObject changelog)
        {
            check.Kind(changelog, "id", Kinds.String | Kinds.Number, "changelog.");
            if (check.Kind(changelog, "items", Kinds.Array | Kinds.Null, "changelog.") && changelog["items"] is JsonArray items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    var at = $"changelog.items[{i}]";
                    if (items[i] is not JsonObject item)
                    {
                        errors[prefix + at] = "must be an object";
                        continue;
                    }

                    foreach (var name in (string[])["field", "fieldId", "fieldtype", "from", "fromString", "to", "toString"])
                    {
                        check.Kind(item, name, Kinds.String | Kinds.Number | Kinds.Null, at + ".");
                    }
                }
            }
        }

        if (check.Kind(body, "comment", Kinds.Object | Kinds.Null) && body["comment"] is JsonObject comment)
        {
            check.Kind(comment, "id", Kinds.String | Kinds.Number, "comment.");
            check.Kind(comment, "body", Kinds.Object | Kinds.String | Kinds.Null, "comment.");
            check.Kind(comment, "author", Kinds.Object | Kinds.Null, "comment.");
            check.Kind(comment, "updateAuthor", Kinds.Object | Kinds.Null, "comment.");
        }

        if (check.Kind(body, "user", Kinds.Object | Kinds.Null) && body["user"] is JsonObject user)
        {
            check.Kind(user, "accountId", Kinds.String | Kinds.Null, "user.");
        }

        check.ObjectArray(body, "associatedStatuses", ["id", "name"]);
        // Atlassian's type reference declares associatedUsers as "AssociatedUsers: an object containing an array of one
        // user", interface AssociatedUsers { associatedUsers: User[] } (events-reference/jira), while its examples show
        // the array itself: both are accepted. A 400 here would be redelivered four times and the event lost.
        if (body["associatedUsers"] is JsonObject wrapper)
        {
            check.ObjectArray(wrapper, "associatedUsers", ["accountId"], "associatedUsers.");
        }
        else
        {
            check.ObjectArray(body, "associatedUsers", ["accountId"]);
        }

        return errors;
    }

    private static void Issue(Checker check, JsonObject body, bool required)
    {
        if (!check.Kind(body, "issue", Kinds.Object, required: required) || body["issue"] is not JsonObject issue)
        {
            return;
        }

        // The run log keeps the issue id and key: they must look like Jira's (digits; PROJECT-123), not free text.
        if (check.Kind(issue, "id", Kinds.String | Kinds.Number, "issue.", required) && JiraEvent.Text(issue["id"]) is { } id
            && !(id.Length is > 0 and <= 20 && id.All(char.IsAsciiDigit)))
        {
            check.Fail("issue.id", "must be a Jira issue id (digits)");
        }

        if (check.Kind(issue, "key", Kinds.String, "issue.", required) && JiraEvent.Text(issue["key"]) is { } key && !IsIssueKey(key))
        {
            check.Fail("issue.key", "must be a Jira issue key such as ABC-123");
        }
        if (!check.Kind(issue, "fields", Kinds.Object | Kinds.Null, "issue.") || issue["fields"] is not JsonObject fields)
        {
            return;
        }

        check.Kind(fields, "summary", Kinds.String | Kinds.Null, "issue.fields.");
        foreach (var (name, inner) in (ReadOnlySpan<(string, string)>)[("project", "key"), ("issuetype", "name"), ("status", "name"), ("priority", "name")])
        {
            if (check.Kind(fields, name, Kinds.Object | Kinds.Null, "issue.fields.") && fields[name] is JsonObject sub)
            {
                check.Kind(sub, inner, Kinds.String | Kinds.Null, $"issue.fields.{name}.");
                check.Kind(sub, "id", Kinds.String | Kinds.Number | Kinds.Null, $"issue.fields.{name}.");
            }
        }

        foreach (var person in (string[])["assignee", "reporter", "creator"])
        {
            check.Kind(fields, person, Kinds.Object | Kinds.Null, "issue.fields.");
        }

        check.Kind(fields, "labels", Kinds.Array | Kinds.Null, "issue.fields.");
    }

    /// <summary>
    /// When the event happened: epoch milliseconds, as a number or as a string of digits (the form Forge's Jira events
    /// carry, the fixtures in samples/events and Jira's webhooks' <c>timestamp</c> number), or an ISO 8601 date-time.
    /// Atlassian's Forge event reference (https://developer.atlassian.com/platform/forge/events-reference/jira/) types
    /// no <c>timestamp</c>; anything else ("abc", "", a fraction) is not a time, and it is the event's identity for
    /// de-duplication and idempotency keys.
    /// </summary>
    private static bool IsTimestamp(JsonValue stamp)
    {
        if (stamp.GetValueKind() == JsonValueKind.Number)
        {
            return stamp.TryGetValue<long>(out var millis) && millis >= 0;
        }

        var text = stamp.GetValue<string>();
        if (text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit))
        {
            return true;
        }

        // 2026-01-01T00:00:00Z, 2021-01-20T15:58:12.797+1100: a date first, at most 40 characters.
        return text.Length is >= 10 and <= 40 && text[..4].All(char.IsAsciiDigit) && text[4] == '-'
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);
    }

    /// <summary>A Jira issue key: a project key (a letter, then letters, digits or '_'), '-', a number; at most 100 characters.</summary>
    public static bool IsIssueKey(string key)
    {
        var dash = key.LastIndexOf('-');
        return key.Length <= 100 && dash > 0 && dash < key.Length - 1
            && char.IsAsciiLetter(key[0]) && key[..dash].All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            && key[(dash + 1)..].All(char.IsAsciiDigit);
    }

    [Flags]
    private enum Kinds { Object = 1, Array = 2, String = 4, Number = 8, Boolean = 16, Null = 32 }

    private sealed class Checker(Dictionary<string, string> errors, string prefix)
    {
        public void Fail(string path, string message) => errors[prefix + path] = message;

        /// <summary>True when the property is absent (and not required) or of an allowed kind; else records an error.</summary>
        public bool Kind(JsonObject obj, string name, Kinds allowed, string at = "", bool required = false)
        {
            if (!obj.TryGetPropertyValue(name, out var value))
            {
                if (required)
                {
                    errors[prefix + at + name] = "is required";
                    return false;
                }

                return true;
            }

            if ((KindOf(value) & allowed) != 0)
            {
                return true;
            }

            errors[prefix + at + name] = "must be " + Describe(allowed);
            return false;
        }

        public void ObjectArray(JsonObject body, string name, string[] texts, string at = "")
        {
            if (!Kind(body, name, Kinds.Array | Kinds.Null, at) || body[name] is not JsonArray items)
            {
                return;
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not JsonObject item)
                {
                    errors[$"{prefix}{at}{name}[{i}]"] = "must be an object";
                    continue;
                }

                foreach (var text in texts)
                {
                    Kind(item, text, Kinds.String | Kinds.Number | Kinds.Null, $"{at}{name}[{i}].");
                }
            }
        }

        private static Kinds KindOf(JsonNode? node) => node switch
        {
            null => Kinds.Null,
            JsonObject => Kinds.Object,
            JsonArray => Kinds.Array,
            JsonValue v => v.GetValueKind() switch
            {
                JsonValueKind.String => Kinds.String,
                JsonValueKind.Number => Kinds.Number,
                JsonValueKind.True or JsonValueKind.False => Kinds.Boolean,
                _ => Kinds.Null,
            },
            _ => Kinds.Null,
        };

        private static string Describe(Kinds allowed)
        {
            var names = new List<string>();
            if (allowed.HasFlag(Kinds.Object))
            {
                names.Add("an object");
            }

            if (allowed.HasFlag(Kinds.Array))
            {
                names.Add("an array");
            }

            if (allowed.HasFlag(Kinds.String))
            {
                names.Add("a string");
            }

            if (allowed.HasFlag(Kinds.Number))
            {
                names.Add("a number");
            }

            if (allowed.HasFlag(Kinds.Boolean))
            {
                names.Add("true or false");
            }

            var text = names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
            return allowed.HasFlag(Kinds.Null) ? text + " (or null)" : text;
        }
    }
}
