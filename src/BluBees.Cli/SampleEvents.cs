using System.Globalization;
using System.Text.Json.Nodes;

namespace BluBees.Cli;

/// <summary>
/// Jira product events shaped as Forge documents them, read from the fixtures in <c>samples/events</c> (embedded):
/// the same files the tests and the Forge app's dry-run samples use. The time, issue key and summary are filled in.
/// </summary>
internal static class SampleEvents
{
    public static readonly string[] Kinds = ["created", "updated", "commented", "deleted"];

    /// <summary>The fixture file behind each kind.</summary>
    public static string FileOf(string kind) => kind switch
    {
        "created" => "issue-created.json",
        "updated" => "issue-updated.json",
        "commented" => "comment-created.json",
        "deleted" => "issue-deleted.json",
        _ => throw new CliException($"Unknown event kind '{kind}': use one of {string.Join(", ", Kinds)}."),
    };

    /// <summary>The fixture as documented, untouched.</summary>
    public static JsonObject Fixture(string kind)
    {
        var name = "events/" + FileOf(kind);
        using var stream = typeof(SampleEvents).Assembly.GetManifestResourceStream(name)
            ?? throw new CliException($"The sample event '{name}' is missing from this build.");
        return JsonNode.Parse(stream)!.AsObject();
    }

    public static JsonObject Create(string kind, string issueKey, DateTimeOffset now, string? summary = null)
    {
        var evt = Fixture(kind);
        evt["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var issue = (JsonObject)evt["issue"]!;
        issue["key"] = issueKey;
        if (issue["fields"] is JsonObject fields)
        {
            if (summary is not null)
            {
                fields["summary"] = summary;
            }

            if (fields["project"] is JsonObject project && issueKey.Split('-') is [{ Length: > 0 } projectKey, _])
            {
                project["key"] = projectKey;
            }
        }

        // A fresh changelog / comment id per send, so that two sends are two events, not a redelivery.
        var suffix = (now.ToUnixTimeMilliseconds() % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        if (evt["changelog"] is JsonObject changelog)
        {
            changelog["id"] = "10" + suffix;
        }

        if (evt["comment"] is JsonObject comment)
        {
            comment["id"] = "20" + suffix;
        }

        return evt;
    }
}
