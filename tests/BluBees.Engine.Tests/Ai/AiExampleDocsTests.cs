using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>The AI examples in docs/ stay true: every connection and rule they show validates and compiles.</summary>
public sealed partial class AiExampleDocsTests
{
    private static readonly Dictionary<string, Connection> Connections = StepKit.ConnectionMap(
        StepKit.Connection("conn_openai…") with { Provider = AiProviders.OpenAi },
        StepKit.Connection("conn_anthropic…", auth: new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" }) with { Provider = AiProviders.Anthropic },
        StepKit.Connection("conn_jira…", "https://your-site.atlassian.net/rest/api/2", new ConnectionAuth { Type = AuthTypes.Basic, Username = "a@example.com" }));

    [TestCase("ai-triage.md", 2)]
    [TestCase("ai-summarise-comments.md", 3)]
    public void TheExampleRulesCompile(string file, int steps)
    {
        var rules = Blocks(file, "POST /api/rules").ToList();
        Assert.That(rules, Has.Count.EqualTo(1));

        var errors = new ValidationErrors();
        var rule = RuleCompiler.Compile("rule_doc", 1, TestJson.Read<RuleDefinition>(rules[0]), Connections, new EgressOptions(), TemplateLimits.Default, errors);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(rule!.Steps, Has.Count.EqualTo(steps));
        Assert.That(rule.Steps.OfType<CompiledAiStep>().Count(), Is.EqualTo(1));
    }

    [Test]
    public void TheSummaryPromptRendersTheThread()
    {
        var json = Blocks("ai-summarise-comments.md", "POST /api/rules").Single();
        var rule = RuleCompiler.Compile("rule_doc", 1, TestJson.Read<RuleDefinition>(json), Connections, new EgressOptions(), TemplateLimits.Default, new ValidationErrors())!;
        var scope = AiKit.Scope();
        scope["steps"]!["comments"] = JsonNode.Parse("""
            { "status": 200, "ok": true, "body": { "total": 2, "comments": [
              { "author": { "displayName": "Ann" }, "body": "Safari 17 fails." },
              { "author": { "displayName": "Bo" }, "body": "Fixed in 2.3." } ] } }
            """);

        var prompt = rule.Steps.OfType<CompiledAiStep>().Single().Prompt.Render(scope, TemplateLimits.Default);

        Assert.That(prompt.Output, Is.EqualTo("Issue PRJ-12 has 2 comments:\n- Ann: Safari 17 fails.\n- Bo: Fixed in 2.3.\n"));
    }

    [TestCase("ai-triage.md", 2)]
    public void TheExampleConnectionsValidate(string file, int count)
    {
        var blocks = Blocks(file, "POST /api/connections").ToList();
        Assert.That(blocks, Has.Count.EqualTo(count));
        foreach (var json in blocks)
        {
            var input = TestJson.Read<ConnectionInput>(json);
            Assert.That(ConnectionValidator.Validate(input, hasStoredSecret: false, new EgressOptions()).ToString(), Is.Empty, json);
        }
    }

    /// <summary>The JSON of every ```json block that starts with <paramref name="request"/>.</summary>
    private static IEnumerable<string> Blocks(string file, string request)
    {
        var text = File.ReadAllText(Path.Combine(DocsDirectory(), "examples", file));
        foreach (Match block in JsonBlock().Matches(text))
        {
            var body = block.Groups[1].Value;
            if (body.StartsWith(request + "\n", StringComparison.Ordinal))
            {
                yield return body[(request.Length + 1)..];
            }
        }
    }

    private static string DocsDirectory()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "docs", "examples")))
            {
                return Path.Combine(dir.FullName, "docs");
            }
        }

        throw new DirectoryNotFoundException("docs/examples not found above the test directory");
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
