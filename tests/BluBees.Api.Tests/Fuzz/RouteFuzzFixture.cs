using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// The tenant the route fuzzers share (see <see cref="RouteFuzzBodyTests"/>): a connection, an AI connection, a rule, a
/// manual rule and a webhook with a rule on it, each battery on an app of its own.
/// </summary>
public abstract class RouteFuzzFixture : BackendFixture
{
    protected string Tenant { get; private set; } = null!;
    protected string Connection { get; private set; } = null!;
    protected string RuleId { get; private set; } = null!;
    protected string ManualRuleId { get; private set; } = null!;
    protected string HookId { get; private set; } = null!;
    protected string HookSecret { get; private set; } = null!;
    protected string Ai { get; private set; } = null!;

    /// <summary>A connection no rule uses, for the batteries that update one (what they save must not change how the rules run).</summary>
    protected string SpareConnection { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        Tenant = Samples.NewTenant();
        Connection = await CreateConnectionAsync(Tenant);
        SpareConnection = await CreateConnectionAsync(Tenant);
        Ai = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", Tenant, new JsonObject
        {
            ["name"] = "OpenAI", ["baseUrl"] = new Uri(ThirdParty.Address, "/v1").ToString(),
            ["auth"] = new JsonObject { ["type"] = "bearer" }, ["secret"] = "k", ["provider"] = "openai",
        }, 201))["id"]!.GetValue<string>();
        RuleId = (await CreateRuleAsync(Tenant, Samples.Rule(Connection)))["id"]!.GetValue<string>();
        ManualRuleId = (await CreateRuleAsync(Tenant, new JsonObject
        {
            ["name"] = "manual",
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "Run by hand" }),
        }))["id"]!.GetValue<string>();
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", Tenant, new JsonObject { ["name"] = "orders" }, 201);
        HookId = hook["id"]!.GetValue<string>();
        HookSecret = hook["secret"]!.GetValue<string>();
        var hookRule = Samples.Rule(Connection, "hook rule");
        hookRule["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = HookId };
        await CreateRuleAsync(Tenant, hookRule);
    }
}
