using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Commands;
using BluBees.Engine.Connections;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees connection create</c> and <c>rule create</c> against the backend on Kestrel: a second connection or rule
/// with a taken name is refused (exit 1, nothing created), so a step naming its connection always means one.
/// </summary>
public sealed class CliUniqueNamesTests
{
    [Test]
    public async Task Duplicate_names_are_refused_and_a_connection_name_resolves_to_its_one_id()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["DevIssuer:Enabled"] = "true",
            ["Forge:AppId"] = BackendClient.DevAppId,
        });
        await using var sink = await ThirdPartyApi.StartAsync();
        CliArgs Args(params string[] args) => new([.. args, "--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory]);
        async Task<string> FileAsync(string name, JsonNode json)
        {
            var path = Path.Combine(backend.DataDirectory, name);
            await File.WriteAllTextAsync(path, json.ToJsonString());
            return path;
        }

        var connection = Samples.Connection(sink.Address, "s3cret");
        connection["name"] = "Sink";
        var connectionFile = await FileAsync("connection.json", connection);
        Assert.That(await ConfigCommands.CreateConnectionAsync(Args("connection", "create", connectionFile)), Is.Zero);
        connection["name"] = " SINK ";
        Assert.That(await ConfigCommands.CreateConnectionAsync(Args("connection", "create", await FileAsync("again.json", connection))), Is.EqualTo(1),
            "the same name, in another case and with spaces, is a 409");

        var rule = Samples.Rule(" sink", "Ticket on Done");
        var ruleFile = await FileAsync("rule.json", rule);
        Assert.That(await ConfigCommands.CreateRuleAsync(Args("rule", "create", ruleFile)), Is.Zero, "the step's connection is named, trimmed, ignoring case");
        Assert.That(await ConfigCommands.CreateRuleAsync(Args("rule", "create", ruleFile)), Is.EqualTo(1), "a second rule with the same name is a 409");

        var connections = backend.Services.GetRequiredService<ConnectionService>();
        var rules = backend.Services.GetRequiredService<RuleService>();
        var tenant = BackendClient.DevTenant;
        var stored = await connections.ListAsync(new TenantId(tenant), default);
        Assert.That(stored.Select(c => c.Name), Is.EqualTo(new[] { "Sink" }));
        var heads = (await rules.ListStoredHeadsAsync(new TenantId(tenant), default)).Select(h => h.Head).ToList();
        Assert.That(heads.Select(h => h.Name), Is.EqualTo(new[] { "Ticket on Done" }));
        Assert.That(heads[0].Connections, Is.EqualTo(new[] { stored[0].Id }));
    }
}
