using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Save-time warnings on Kestrel: a rule that compiles is saved, and the answer lists what will probably read nothing,
/// checked against the fake Jira's field list read with the caller's own token.
/// </summary>
public sealed class RuleWarningsApiTests : BackendFixture
{
    [TearDown]
    public void ResetJira() => Backend.Jira.FieldsAnswer = null;

    private static JsonObject TypoRule(string connection)
    {
        var rule = Samples.Rule(connection);
        rule["trigger"]!["fieldChanged"] = new JsonObject { ["field"] = "stauts" };
        rule["steps"]!.AsArray().Add(new JsonObject
        {
            ["id"] = "second",
            ["type"] = "http",
            ["connection"] = connection,
            ["method"] = "POST",
            ["path"] = "/notes",
            ["body"] = new JsonObject { ["key"] = "{{ isue.fields.summary }}", ["title"] = "{{ issue.fields.sumary }}", ["later"] = "{{ steps.third.body }}" },
        });
        rule["steps"]![0]!["body"] = new JsonObject { ["key"] = "{{ issue.key }}", ["next"] = "{{ steps.second.status }}" };
        return rule;
    }

    private static Dictionary<string, string> ByPath(JsonNode answer)
        => answer["warnings"]!.AsArray().ToDictionary(w => w!["path"]!.GetValue<string>(), w => w!["code"]!.GetValue<string>());

    [Test]
    public async Task Create_and_update_answer_with_warnings_at_the_fields_and_still_save()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var readsBefore = Backend.Jira.UserReads.Count;
        var created = await CreateRuleAsync(tenant, TypoRule(connection));

        Assert.That(ByPath(created), Is.EquivalentTo(new Dictionary<string, string>
        {
            ["trigger.fieldChanged.field"] = "unknown_field",
            ["steps[0].body.next"] = "step_not_yet_run",
            ["steps[1].body.key"] = "unknown_scope_root",
            ["steps[1].body.title"] = "unknown_field",
            ["steps[1].body.later"] = "unknown_step",
        }));
        var read = Backend.Jira.UserReads.Skip(readsBefore).Single(r => r.Path == "/rest/api/3/field");
        Assert.That(read.AccountId, Is.EqualTo("557058:admin"), "the field list is read with the caller's own user token");

        var id = created["id"]!.GetValue<string>();
        var stored = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
        Assert.That(stored["version"]!.GetValue<int>(), Is.EqualTo(1), "warnings never block the save");
        Assert.That(stored["warnings"], Is.Null, "warnings are the answer to a save, not part of the stored rule");

        var fixedRule = Samples.Rule(connection, created["name"]!.GetValue<string>());
        var updated = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, fixedRule);
        Assert.That(ByPath(updated), Is.EquivalentTo(new Dictionary<string, string> { ["steps[0].body.points"] = "unknown_field" }),
            "issue.fields.storyPoints is not a field id on this site (Story Points is customfield_10016)");
        Assert.That(updated["warnings"]![0]!["message"]!.GetValue<string>(), Does.Contain("storyPoints"));
    }

    /// <summary>
    /// A credential written into a step (a literal Authorization header, an api_key in the url) is stored with the rule,
    /// in clear: the save answers a warning at that field that points to a connection, and the warning never quotes it.
    /// </summary>
    [Test]
    public async Task A_credential_written_into_a_step_is_saved_with_a_warning_that_does_not_quote_it()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var secret = Samples.Canary("literal-key");
        var rule = Samples.Rule(connection);
        var step = rule["steps"]![0]!.AsObject();
        step.Remove("connection");
        step.Remove("path");
        step["url"] = "https://api.example.com/v1/items?api_key=" + secret + "&issue={{ issue.key }}";
        step["headers"] = new JsonObject { ["Authorization"] = "Bearer " + secret, ["X-Trace"] = "blubees" };
        step["query"] = new JsonObject { ["token"] = secret, ["page"] = "1" };

        var created = await CreateRuleAsync(tenant, rule);
        var warnings = created["warnings"]!.AsArray().Where(w => w!["code"]!.GetValue<string>() == "literal_credential").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(warnings.Select(w => w!["path"]!.GetValue<string>()), Is.EquivalentTo(new[] { "steps[0].headers.Authorization", "steps[0].query.token", "steps[0].url" }));
            Assert.That(warnings.Select(w => w!["message"]!.GetValue<string>()), Has.All.Contain("connection"));
            Assert.That(created["warnings"]!.ToJsonString(), Does.Not.Contain(secret), "no warning quotes the credential");
        });

        step["headers"] = new JsonObject { ["Authorization"] = "Bearer {{ steps.login.token }}" };
        step["query"] = new JsonObject { ["token"] = "{{ issue.key }}" };
        step["url"] = "https://api.example.com/v1/items?api_key={{ issue.key }}";
        var answer = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule);
        Assert.That(answer["warnings"]!.AsArray().Select(w => w!["code"]!.GetValue<string>()), Does.Not.Contain("literal_credential"),
            "a value a template computes at run time is not stored");
    }

    [Test]
    public async Task A_url_whose_host_comes_from_data_is_saved_with_a_warning_at_the_url_field()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = Samples.Rule(connection);
        var step = rule["steps"]![0]!.AsObject();
        step.Remove("connection");
        step.Remove("path");
        step["url"] = "https://api.example.com{{ issue.key }}";
        var created = await CreateRuleAsync(tenant, rule);
        var warning = created["warnings"]!.AsArray().Single(w => w!["code"]!.GetValue<string>() == "host_from_data")!;
        Assert.That(warning["path"]!.GetValue<string>(), Is.EqualTo("steps[0].url"));
        Assert.That(warning["message"]!.GetValue<string>(), Does.Contain("host").And.Contain("data"));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{created["id"]!.GetValue<string>()}", tenant))["version"]!.GetValue<int>(), Is.EqualTo(1), "a warning, not a refusal");

        step["url"] = "https://api.example.com/{{ issue.key }}";
        var answer = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule);
        Assert.That(answer["warnings"]!.AsArray().Select(w => w!["code"]!.GetValue<string>()), Does.Not.Contain("host_from_data"));
    }

    [Test]
    public async Task When_Jira_cannot_give_its_fields_the_save_goes_on_with_one_warning_saying_so()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        Backend.Jira.FieldsAnswer = (503, """{"errorMessages":["unavailable"]}""");
        var created = await CreateRuleAsync(tenant, TypoRule(connection));

        var codes = created["warnings"]!.AsArray().Select(w => w!["code"]!.GetValue<string>()).ToList();
        Assert.That(codes, Does.Contain("fields_not_checked").And.Contain("unknown_scope_root").And.Not.Contain("unknown_field"));
        Assert.That(codes.Count(c => c == "fields_not_checked"), Is.EqualTo(1));
    }

    [Test]
    public async Task Validate_checks_without_saving()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var answer = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/validate", tenant, TypoRule(connection));
        Assert.That(answer["valid"]!.GetValue<bool>(), Is.True);
        Assert.That(ByPath(answer), Does.ContainKey("steps[1].body.key"));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray(), Is.Empty, "nothing saved");

        var broken = TypoRule(connection);
        broken["steps"]![0]!["path"] = "{{ issue.key | nosuchfilter }}";
        using var invalid = await Backend.SendAsync(HttpMethod.Post, "/api/rules/validate", tenant, broken);
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(invalid))["errors"]!["steps[0].path"], Is.Not.Null);
    }

    [Test]
    public async Task Warnings_never_echo_scope_values_and_the_user_token_appears_nowhere()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var canary = Samples.Canary("literal");
        var rule = TypoRule(connection);
        rule["steps"]![1]!["body"]!["literal"] = canary;
        var created = await CreateRuleAsync(tenant, rule);
        Assert.That(created["warnings"]!.ToJsonString(), Does.Not.Contain(canary), "literal text is not a scope read and is never quoted");
        foreach (var token in Backend.Jira.IssuedTokens)
        {
            Assert.That(created.ToJsonString() + string.Join('\n', Backend.Logs.Lines), Does.Not.Contain(token));
        }
    }
}
