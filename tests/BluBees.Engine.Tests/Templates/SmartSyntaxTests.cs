using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Jira Automation's smart-value syntax: short paths, method calls, field display names.</summary>
public sealed class SmartSyntaxTests
{
    private const string JiraScope = """
        {
          "issue": {
            "id": "10012", "key": "PRJ-12", "self": "https://acme.atlassian.net/rest/api/3/issue/10012",
            "fields": {
              "summary": "Hello World!", "duedate": "2024-01-19", "created": "2024-01-15T10:30:00.000+0000",
              "status": { "name": "Done" }, "issuetype": { "name": "Bug" },
              "assignee": { "displayName": "Ann Lee", "accountId": "a-1" },
              "labels": ["ui", "auth", "ui"], "customfield_10016": 5, "customfield_10020": { "value": "Gold" },
              "fixVersions": [ { "name": "1.0" }, { "name": "2.0" } ],
              "description": { "type": "doc", "version": 1, "content": [ { "type": "paragraph", "content": [ { "type": "text", "text": "Steps here" } ] } ] },
              "comment": { "comments": [ { "body": "first" }, { "body": "second" } ] },
              "subtasks": [ { "key": "PRJ-13", "fields": { "customfield_10016": 3 } }, { "key": "PRJ-14", "fields": { "customfield_10016": 8 } } ]
            }
          },
          "user": { "displayName": "Bo Chen", "accountId": "b-2" },
          "changelog": { "items": [ { "field": "status", "fieldId": "status", "fromString": "In Progress", "toString": "Done" },
                                    { "field": "Story Points", "fieldId": "customfield_10016", "fromString": "3", "toString": "5" } ] },
          "steps": { "find": { "issues": [ { "key": "PRJ-20", "fields": { "summary": "Sub A" } } ] } }
        }
        """;

    private static readonly JiraFieldNames Names = JiraFieldNames.From(
    [
        ("summary", "Summary"), ("customfield_10016", "Story Points"), ("customfield_10020", "Customer Tier"),
        ("customfield_10030", "Team"), ("customfield_10031", "Team"),
    ]);

    private static string R(string source)
    {
        using var names = Names.Activate();
        return Render(source, Scope(JiraScope));
    }

    [TestCase("{{issue.key}}", "PRJ-12")]
    [TestCase("{{issue.summary}}", "Hello World!")]
    [TestCase("{{issue.status.name}}", "Done")]
    [TestCase("{{issue.issueType.name}}", "Bug")]
    [TestCase("{{issue.issuetype.name}}", "Bug")]
    [TestCase("{{issue.assignee.displayName}}", "Ann Lee")]
    [TestCase("{{issue.dueDate}}", "2024-01-19")]
    [TestCase("{{issue.url}}", "https://acme.atlassian.net/browse/PRJ-12")]
    [TestCase("{{issue.toUrl}}", "https://acme.atlassian.net/browse/PRJ-12")]
    [TestCase("{{issue.description}}", "Steps here")]
    [TestCase("{{issue.comments.last.body}}", "second")]
    [TestCase("{{issue.comments.size}}", "2")]
    [TestCase("{{issue.fields.summary}}", "Hello World!")]
    [TestCase("{{triggerIssue.key}} {{triggerIssue.summary}}", "PRJ-12 Hello World!")]
    [TestCase("{{initiator.displayName}}", "Bo Chen")]
    [TestCase("{{changelog.status.fromString}} → {{changelog.status.toString}}", "In Progress → Done")]
    [TestCase("{{changelog.Story Points.toString}}", "5")]
    [TestCase("{{fieldChange.toString}}", "Done")]
    [TestCase("{{baseUrl}}", "https://acme.atlassian.net")]
    [TestCase("{{steps.find.issues.first.summary}}", "Sub A")]
    [TestCase("{{issue.fixVersions | map: 'name' | join: ', '}}", "1.0, 2.0")]
    public void JiraShortPaths(string source, string expected) => Assert.That(R(source), Is.EqualTo(expected));

    [TestCase("{{issue.Story Points}}", "5")]
    [TestCase("{{issue.story points}}", "5")]
    [TestCase("{{issue.fields[\"Story Points\"]}}", "5")]
    [TestCase("{{issue[\"Story Points\"]}}", "5")]
    [TestCase("{{issue.Customer Tier.value}}", "Gold")]
    [TestCase("{{issue.Story Points | plus: 2}}", "7")]
    [TestCase("{{issue.Story Points.plus(2)}}", "7")]
    [TestCase("{% if issue.Story Points > 3 and issue.key %}big{% endif %}", "big")]
    [TestCase("{% assign sp = issue.Story Points %}{{ sp }}", "5")]
    [TestCase("{% for s in issue.subtasks %}{{ s.Story Points }},{% endfor %}", "3,8,")]
    [TestCase("{{issue.customfield_10016}}", "5")]
    [TestCase("[{{issue.Team}}]", "[]")] // two fields share the name: use the id
    [TestCase("[{{issue.Not A Field}}]", "[]")]
    [TestCase("{{issue.Not A Field | default: 'none'}}", "none")]
    public void FieldsByDisplayName(string source, string expected) => Assert.That(R(source), Is.EqualTo(expected));

    [Test]
    public void DisplayNamesNeedTheRunsFieldList()
    {
        Assert.That(Render("[{{issue.Story Points}}]", Scope(JiraScope)), Is.EqualTo("[]"));
        Assert.That(JiraFieldNames.Current, Is.Null);
    }

    [TestCase("{{issue.summary.toUpperCase()}}", "HELLO WORLD!")]
    [TestCase("{{issue.summary.toLowerCase().substring(0, 5).concat(\"!!\")}}", "hello!!")]
    [TestCase("{{issue.summary.abbreviate(8)}}", "Hello...")]
    [TestCase("{{issue.summary.substring(6)}}", "World!")]
    [TestCase("{{issue.summary.left(5)}}|{{issue.summary.right(6)}}", "Hello|World!")]
    [TestCase("{{issue.summary.length()}}", "12")]
    [TestCase("{{issue.summary.startsWith(\"Hell\")}} {{issue.summary.endsWith(\"?\")}}", "true false")]
    [TestCase("{{issue.summary.equalsIgnoreCase(\"hello world!\")}}", "true")]
    [TestCase("{{issue.summary.indexOf(\"Wo\")}} {{issue.summary.charAt(4)}}", "6 o")]
    [TestCase("[{{issue.summary.charAt(40)}}]", "[]")]
    [TestCase("{{issue.summary.replace(\"World\", \"There\")}}", "Hello There!")]
    [TestCase("{{issue.summary.split(\" \").first}}", "Hello")]
    [TestCase("{{issue.summary.isEmpty}} {{issue.summary.isNotEmpty()}}", "false true")]
    [TestCase("[{{issue.summary.asNumber}}] {{ issue.Story Points.asNumber | plus: 1 }}", "[] 6")]
    [TestCase("{{ '<b>' | escape }} {{issue.summary.htmlEncode}}", "&lt;b&gt; Hello World!")]
    [TestCase("{{issue.labels.distinct.join(\"-\")}}", "ui-auth")]
    [TestCase("{{issue.subtasks | map: 'fields' | map: 'customfield_10016' | sum}}", "11")]
    [TestCase("{{ issue.subtasks | map: 'fields' | map: 'customfield_10016' | average }}", "5.5")]
    [TestCase("{{ issue.subtasks | map: 'fields' | map: 'customfield_10016' | max }} {{ issue.subtasks | map: 'fields' | map: 'customfield_10016' | min }}", "8 3")]
    [TestCase("{{ issue.labels | max }}", "")]
    [TestCase("{{ issue.Story Points.multiply(3).divide(2) }}", "7")]
    [TestCase("{{ issue.Story Points.minus(7).abs }}", "2")]
    [TestCase("{{issue.created.jiraDate}}", "2024-01-15")]
    [TestCase("{{issue.created.shortDate}}", "1/15/24")]
    [TestCase("{{issue.created.plusBusinessDays(5).jiraDate}}", "2024-01-22")]
    [TestCase("{{issue.created.diff(issue.dueDate).days}}", "3")]
    [TestCase("{{issue.created.isBefore(issue.dueDate)}}", "true")]
    [TestCase("{{issue.created.as(\"dd MMM\")}}", "15 Jan")]
    [TestCase("{{issue.created.toDate.startOfMonth.jiraDate}}", "2024-01-01")]
    [TestCase("{{ issue.dueDate.toDate.plusDays(1) | jira_date }}", "2024-01-20")]
    public void MethodCallsMapOntoFilters(string source, string expected) => Assert.That(R(source), Is.EqualTo(expected));

    [TestCase("{{ issue.summary.match(\".*\") }}", "function 'match' is not supported: regular expressions are not supported")]
    [TestCase("{{ issue.summary.replaceAll(\"a\", \"b\") }}", "function 'replaceAll' is not supported")]
    [TestCase("{{ issue.created.withLocale(\"fr\") }}", "function 'withLocale' is not supported: locales are not supported")]
    [TestCase("{{ issue.summary.explode() }}", "unknown function 'explode'")]
    [TestCase("{{ now.plusDays() }}", "function 'plusDays' expects 1 argument(s), got 0")]
    [TestCase("{{ now.plusDays(1, 2) }}", "function 'plusDays' expects 1 argument(s), got 2")]
    [TestCase("{{ now.plusDays(1 }}", "expected ')' or ','")]
    [TestCase("{{ now.plusDays(x | upcase) }}", "expected ')' or ','")]
    public void BadMethodCallsAreCompileErrors(string source, string message) =>
        Assert.That(CompileError(source).Message, Does.StartWith(message));

    [Test]
    public void ExistingPathsKeepTheirMeaning()
    {
        var scope = Scope(JiraScope);
        scope["issue"]!["summary"] = "top-level wins";
        scope["issue"]!["jiraDate"] = "a member, not the function";
        Assert.That(Render("{{issue.summary}}|{{issue.jiraDate}}|{{issue.fields.size}}", scope),
            Is.EqualTo("top-level wins|a member, not the function|13"));
        Assert.That(Render("{{ issue.fields.labels | size }} {{ issue.fields.labels.first }}", scope), Is.EqualTo("3 ui"));
        Assert.That(Render("{% for l in issue.fields.labels reversed limit: 1 %}{{ l }}{% endfor %}", scope), Is.EqualTo("ui"));
        Assert.That(Render("{% if issue.fields.labels contains 'ui' or issue.key %}y{% endif %}", scope), Is.EqualTo("y"));
    }

    [Test]
    public void ValueModeKeepsTypes()
    {
        using var names = Names.Activate();
        var value = Compile("{{ issue.Story Points }}").Evaluate(Scope(JiraScope), TemplateLimits.Default);
        Assert.That(value.Value!.ToJsonString(), Is.EqualTo("5"));
        var diff = Compile("{{ issue.created.diff(issue.dueDate) }}").Evaluate(Scope(JiraScope), TemplateLimits.Default);
        Assert.That(diff.Value!["days"]!.GetValue<long>(), Is.EqualTo(3));
    }

    [Test]
    public void AmbiguousAndOversizedFieldListsAreBounded()
    {
        var many = Enumerable.Range(0, JiraFieldNames.MaxFields + 50).Select(i => ($"customfield_{i}", $"Field {i}"));
        var names = JiraFieldNames.From(many);
        Assert.That(names.Count, Is.EqualTo(JiraFieldNames.MaxFields));
        Assert.That(names.IdFor("field 7"), Is.EqualTo("customfield_7"));
        Assert.That(Names.IdFor("Team"), Is.Null);
        Assert.That(Names.IdFor(new string('x', 300)), Is.Null);
    }

    [Test]
    public void MethodCallsAreChargedLikeFilters()
    {
        var budget = new RunBudget(1_000_000, TimeSpan.FromMinutes(1), TimeProvider.System);
        var big = new JsonObject { ["issue"] = new JsonObject { ["key"] = "K", ["fields"] = new JsonObject { ["summary"] = new string('a', 60_000) } } };
        var result = Compile("{% for i in (1..50) %}{{ issue.summary.toUpperCase().length() }}{% endfor %}")
            .Render(big, TemplateLimits.Default with { MaxSteps = 1_000_000 }, budget);
        Assert.That(result.Success, Is.True);
        Assert.That(budget.UsedUnits, Is.GreaterThan(50 * 3 * 58), "each call pays for the 60,000 characters it scans");
    }

    [Test]
    public void HugeBusinessDayCountsCostNoMoreThanSmallOnes()
    {
        var result = Bounded(() => RenderResult("{{ '2024-01-15T10:30:00Z' | plus_business_days: 2000000 | jira_date }}"));
        Assert.That(result.Output, Is.EqualTo("9690-03-06"));
    }
}
