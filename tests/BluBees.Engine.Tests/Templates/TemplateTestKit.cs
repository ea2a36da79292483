using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Shared helpers and a Jira-like event scope for the template tests.</summary>
internal static class TemplateTestKit
{
    public const string IssueJson = """
        {
          "issue": {
            "key": "PRJ-12",
            "id": "10012",
            "fields": {
              "summary": "Login fails",
              "priority": { "name": "High" },
              "labels": ["ui", "auth", "ui"],
              "storyPoints": 5,
              "estimate": 2.5,
              "done": false,
              "assignee": null,
              "nums": [3, 1, null, 2],
              "components": [ { "name": "web", "lead": "ann" }, { "name": "api", "lead": null } ],
              "created": "2024-01-15T10:30:00.000+0000",
              "text": "say \"hi\"\n<b>"
            }
          },
          "user": { "displayName": "Ann Lee", "accountId": "abc" },
          "event": "issue_updated",
          "steps": { "create": { "status": 201, "body": { "id": 77, "url": "https://example.test/77" } } }
        }
        """;

    public static JsonObject Scope(string json = IssueJson) => JsonNode.Parse(json)!.AsObject();

    public static Template Compile(string source, TemplateLimits? limits = null)
    {
        var result = TemplateCompiler.Compile(source, limits ?? TemplateLimits.Default);
        Assert.That(result.Errors, Is.Empty, () => string.Join("; ", result.Errors));
        Assert.That(result.Success, Is.True);
        return result.Template!;
    }

    public static TemplateRenderResult RenderResult(string source, JsonObject? scope = null, TemplateLimits? limits = null) =>
        Compile(source, limits).Render(scope ?? Scope(), limits ?? TemplateLimits.Default);

    public static string Render(string source, JsonObject? scope = null)
    {
        var result = RenderResult(source, scope);
        Assert.That(result.Error, Is.Null, () => result.Error!.ToString());
        Assert.That(result.Success, Is.True);
        return result.Output!;
    }

    public static TemplateError CompileError(string source, TemplateLimits? limits = null)
    {
        var result = TemplateCompiler.Compile(source, limits ?? TemplateLimits.Default);
        Assert.That(result.Success, Is.False, "expected a compile error");
        Assert.That(result.Template, Is.Null);
        Assert.That(result.Errors, Is.Not.Empty);
        return result.Errors[0];
    }

    /// <summary>Runs hostile work on another thread and fails the test if it does not finish in time.</summary>
    public static T Bounded<T>(Func<T> work, int seconds = 10)
    {
        var task = Task.Run(work);
        Assert.That(task.Wait(TimeSpan.FromSeconds(seconds)), Is.True, $"did not finish within {seconds} s");
        return task.Result;
    }
}
