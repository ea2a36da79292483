using System.Text.Json.Nodes;
using BluBees.Engine.Steps.Jira;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// The rule builder edits a comment's Atlassian Document Format body as plain text and converts it back itself
/// (forge-app/ui/src/lib/adf.ts): both sides must make the same document of the same text. Both read these cases.
/// </summary>
[TestFixture]
public sealed class AdfParityTests
{
    [Test]
    public void Plain_text_becomes_the_documents_the_rule_builder_also_makes()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
        {
            dir = dir.Parent;
        }

        var cases = JsonNode.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "samples", "adf", "comment-text.json")))!["cases"]!.AsArray();
        Assert.That(cases, Has.Count.GreaterThan(3));
        foreach (var c in cases)
        {
            var text = c!["text"]!.GetValue<string>();
            Assert.That(JsonNode.DeepEquals(Adf.FromText(text), c["doc"]), Is.True, () => $"{System.Text.Json.JsonSerializer.Serialize(text)} → {Adf.FromText(text).ToJsonString()}");
        }
    }
}
