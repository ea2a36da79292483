using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>Fields by display name (<c>{{issue.Story Points}}</c>) through the tenant's cached field list, against the loopback Jira.</summary>
[TestFixture]
public sealed class JiraFieldCatalogTests
{
    private JiraKit _kit = null!;
    private EgressTestKit _egress = null!;
    private JiraFieldCatalog _catalog = null!;

    [SetUp]
    public void SetUp()
    {
        _kit = new JiraKit();
        _egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var options = Options.Create(_kit.Options);
        var site = new JiraSite(new JiraEgressHandler(_egress.Client), options);
        _catalog = new JiraFieldCatalog(site, _kit.Time, options, Options.Create(new RunOptions()), new ListLogger<JiraFieldCatalog>(_kit.Logs));
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await _kit.DisposeAsync();
        _egress.Dispose();
    }

    private int FieldListCalls => _kit.Site.Requests.Count(r => r.Method == "GET" && r.Path == "/jira/rest/api/3/field");

    [Test]
    public async Task A_step_reads_a_custom_field_by_its_display_name()
    {
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["customfield_10016"] = 5;
        using ((await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None))!.Activate())
        {
            var outcome = await _kit.RunAsync("""
                {"id":"c","type":"jira.comment","body":"SP={{ issue.Story Points }} ({{ issue.fields[\"story points\"] | plus: 1 }}) team=[{{ issue.Team }}] none=[{{ issue.No Such Field }}]"}
                """, scope: scope);
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        }

        var comment = _kit.Site.Requests.Single(r => r.Method == "POST").Body!.ToJsonString();
        Assert.That(comment, Does.Contain("SP=5 (6) team=[] none=[]"), "an ambiguous or unknown name reads nil, never a crash");
        Assert.That(JiraFieldNames.Current, Is.Null, "the names end with the run");
    }

    [Test]
    public async Task The_field_list_is_fetched_once_per_tenant_however_many_runs_start_together()
    {
        var loads = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None)));

        Assert.That(loads.Select(l => l?.IdFor("Story Points")), Is.All.EqualTo("customfield_10016"));
        Assert.That(loads[0]!.IdFor("Team"), Is.Null, "two fields are called Team: use the id");
        Assert.That(FieldListCalls, Is.EqualTo(1));
        var request = _kit.Site.Requests.Single(r => r.Path == "/jira/rest/api/3/field");
        Assert.That(request.Authorization, Is.EqualTo("Bearer " + FakeJiraSite.Token), "the system token of the run");
    }

    [Test]
    public async Task The_list_expires_so_a_renamed_field_resolves_by_its_new_name()
    {
        Assert.That((await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None))!.IdFor("Points"), Is.Null);
        _kit.Site.FieldList.Add(new JsonObject { ["id"] = "customfield_10099", ["name"] = "Points" });

        _kit.Time.Advance(JiraFieldCatalog.Lifetime - TimeSpan.FromSeconds(1));
        Assert.That((await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None))!.IdFor("Points"), Is.Null, "still cached");
        _kit.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.That((await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None))!.IdFor("Points"), Is.EqualTo("customfield_10099"));
        Assert.That(FieldListCalls, Is.EqualTo(2));
    }

    [Test]
    public async Task A_failed_load_gives_no_names_and_is_not_retried_on_every_run()
    {
        _kit.Site.Deny(1, 403);

        Assert.That(await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None), Is.Null);
        Assert.That(await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None), Is.Null);
        Assert.That(FieldListCalls, Is.EqualTo(1));
        Assert.That(_kit.Logs, Has.Some.Contains("Could not load the Jira field list").And.Contains("403"));
        Assert.That(_kit.Logs, Has.None.Contains(FakeJiraSite.Token));

        _kit.Time.Advance(JiraFieldCatalog.FailureLifetime + TimeSpan.FromSeconds(1));
        Assert.That((await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None))!.IdFor("Story Points"), Is.EqualTo("customfield_10016"));
    }

    [Test]
    public async Task Without_a_system_token_nothing_is_called_and_the_dry_run_uses_only_the_cache()
    {
        Assert.That(await _catalog.GetAsync(JiraKit.Tenant, null, CancellationToken.None), Is.Null);
        Assert.That(_catalog.ActivateCached(JiraKit.Tenant.Id), Is.Null);
        Assert.That(FieldListCalls, Is.Zero);

        await _catalog.GetAsync(JiraKit.Tenant, FakeJiraSite.Token, CancellationToken.None);
        using (_catalog.ActivateCached(JiraKit.Tenant.Id))
        {
            Assert.That(JiraFieldNames.Current?.IdFor("story points"), Is.EqualTo("customfield_10016"));
        }

        Assert.That(FieldListCalls, Is.EqualTo(1));
    }

    [TestCase("{{ issue.Story Points }}", true)]
    [TestCase("{{ issue.Sprint.name }}", true)]
    [TestCase("{{ triggerIssue.fields[\"Team\"] }}", true)]
    [TestCase("{{ steps.find.issues.first.Epic Link }}", true)]
    [TestCase("{{ issue.summary }} {{ issue.fields.customfield_10016 }} {{ issue.key }} {{ issue.created.jiraDate }}", false)]
    [TestCase("{{ issue.status.name }} {{ issue.dueDate }} {{ user.displayName }} {{ now }}", false)]
    public void A_rule_loads_the_field_list_only_when_a_template_may_name_a_field(string body, bool expected)
    {
        var definition = TestJson.Read<RuleDefinition>($$"""
            {"name":"r","trigger":{"type":"event","events":["avi:jira:updated:issue"]},
             "steps":[{"id":"c","type":"jira.comment","body":{{JsonValue.Create(body)!.ToJsonString()}}}]}
            """);
        var errors = new ValidationErrors();
        var rule = RuleCompiler.Compile("r1", 1, definition, null, new EgressOptions(), TemplateLimits.Default, errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        Assert.That(rule!.UsesFieldNames, Is.EqualTo(expected));
    }
}
