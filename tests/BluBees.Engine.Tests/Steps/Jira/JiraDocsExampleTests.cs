using BluBees.Engine.Rules;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>The Jira example in docs/api.md is a valid rule, and it renders against a sample event.</summary>
[TestFixture]
public sealed class JiraDocsExampleTests
{
    [Test]
    public async Task The_documented_example_compiles_and_renders()
    {
        var rule = TestJson.Read<RuleDefinition>(ExampleJson());

        var (compiled, errors) = StepKit.CompileRule(rule, connections: StepKit.ConnectionMap());

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(compiled!.Steps.Select(s => s.Kind), Is.EqualTo(new[] { "jira.edit", "jira.transition", "jira.comment", "jira.fetch" }));
        await using var kit = new JiraKit();
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["parent"] = new System.Text.Json.Nodes.JsonObject { ["key"] = "PRJ-1" };
        foreach (var step in compiled.Steps.Cast<CompiledJiraStep>())
        {
            var preview = kit.Preview.Preview(step, scope, "steps");
            Assert.That(preview.Error, Is.Null, () => preview.Error!.Message);
        }

        var edit = kit.Preview.Preview((CompiledJiraStep)compiled.Steps[0], scope, "steps");
        Assert.That(edit.Request!.Body!["fields"]!["labels"]!.ToJsonString(), Is.EqualTo("""["needs-triage","prj"]"""));
        Assert.That(edit.Request.Body!["fields"]!["customfield_10016"]!.ToJsonString(), Is.EqualTo("5"));
    }

    private static string ExampleJson()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
        {
            dir = dir.Parent;
        }

        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "api.md"));
        var section = doc[doc.IndexOf("**Jira steps.**", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        return section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
