using System.Text.Json.Nodes;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.ConditionKit;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// Jira sends a multi-value field as a list of objects — components, fix versions and versions as
/// <c>{"id","name"}</c>, multi-select options as <c>{"id","value"}</c>, users as <c>{"accountId","displayName"}</c>
/// (Get issue, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get);
/// Jira Automation reads such a field by its names ("Components contains any of Backend";
/// https://support.atlassian.com/cloud-automation/docs/examples-of-using-smart-values-with-lists/: options by
/// <c>.value</c>, users by <c>.displayName</c>). A condition typed with the name must match that list.
/// </summary>
public sealed class ConditionObjectListTests
{
    private static JsonObject Scope()
    {
        var scope = SampleEvents.Scope();
        var fields = scope["issue"]!["fields"]!.AsObject();
        fields["components"] = JsonNode.Parse("""[{"id":"10000","name":"Backend"},{"id":"10001","name":"API"}]""");
        fields["fixVersions"] = JsonNode.Parse("""[{"id":"10100","name":"2.4.0","released":false}]""");
        fields["customfield_10050"] = JsonNode.Parse("""[{"id":"10200","value":"EMEA"},{"id":"10201","value":"APAC"}]""");
        fields["customfield_10060"] = JsonNode.Parse("""[{"accountId":"5b10ac8d82e05b22cc7d4ef5","displayName":"Mia Krystof"}]""");
        fields["customfield_10070"] = JsonNode.Parse("""[{"id":"7","value":null}]""");
        return scope;
    }

    [TestCase("issue.fields.components", "\"Backend\"", true)]
    [TestCase("issue.fields.components", "\"API\"", true)]
    [TestCase("issue.fields.components", "\"backend\"", false, Description = "names compare as text does: case-sensitive")]
    [TestCase("issue.fields.components", "\"Back\"", false, Description = "a name is not searched as a substring")]
    [TestCase("issue.fields.components", "\"10000\"", false, Description = "the id is not the name")]
    [TestCase("issue.fields.components", "{\"id\":\"10000\",\"name\":\"Backend\"}", true, Description = "the whole object still matches")]
    [TestCase("issue.fields.fixVersions", "\"2.4.0\"", true)]
    [TestCase("issue.fields.fixVersions", "\"2.4\"", false)]
    [TestCase("issue.fields.customfield_10050", "\"APAC\"", true, Description = "multi-select options by value")]
    [TestCase("issue.fields.customfield_10050", "\"LATAM\"", false)]
    [TestCase("issue.fields.customfield_10060", "\"Mia Krystof\"", true, Description = "users by display name")]
    [TestCase("issue.fields.customfield_10060", "\"5b10ac8d82e05b22cc7d4ef5\"", true, Description = "users by account id")]
    [TestCase("issue.fields.customfield_10070", "\"\"", false, Description = "a null value is no name")]
    public void ContainsMatchesAnElementByItsName(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "contains", value, Scope()), Is.EqualTo(expected));
    }

    [TestCase("issue.fields.components", "[\"Frontend\", \"Backend\"]", true)]
    [TestCase("issue.fields.components", "[\"Frontend\"]", false)]
    [TestCase("issue.fields.components", "[]", false)]
    [TestCase("issue.fields.customfield_10050", "[\"APAC\"]", true)]
    [TestCase("issue.fields.labels", "[\"auth\", \"billing\"]", true, Description = "a list of texts: one of its items is among the values")]
    [TestCase("issue.fields.labels", "[\"billing\"]", false)]
    public void InOnAListMatchesWhenOneOfItsItemsIsAmongTheValues(string field, string value, bool expected)
    {
        Assert.That(Evaluate(field, "in", value, Scope()), Is.EqualTo(expected));
    }

    [Test]
    public void AnEmptyListContainsNoNameAndIsEmpty()
    {
        var scope = Scope();
        scope["issue"]!["fields"]!["components"] = new JsonArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Evaluate("issue.fields.components", "contains", "\"Backend\"", scope), Is.False);
            Assert.That(Evaluate("issue.fields.components", "in", "[\"Backend\"]", scope), Is.False);
            Assert.That(Evaluate("issue.fields.components", "isEmpty", scope: scope), Is.True);
        }
    }
}
