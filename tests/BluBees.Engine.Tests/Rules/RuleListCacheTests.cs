using BluBees.Engine.Connections;
using BluBees.Engine.Hosting;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using BluBees.Engine.Steps;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// The event path's cached rule list (<see cref="RuleService.ListHeadsForRunAsync"/>): reused while nothing changed,
/// and never stale after a change made by ANOTHER instance (two service providers over one store, each with its own
/// cache, stand in for two backend instances).
/// </summary>
public sealed class RuleListCacheTests
{
    private static readonly TenantId Tenant = new("ari:cloud:ecosystem::installation/rule-list-cache");
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Test]
    public async Task An_unchanged_list_is_served_from_the_cache()
    {
        using var dir = new TempDirectory();
        await using var a = Instance(dir);
        await CreateRuleAsync(a);
        var rules = a.GetRequiredService<RuleService>();

        var first = await rules.ListHeadsForRunAsync(Tenant, Ct);
        var second = await rules.ListHeadsForRunAsync(Tenant, Ct);

        Assert.That(first, Has.Count.EqualTo(1));
        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public async Task A_change_on_another_instance_is_seen_by_the_next_read()
    {
        using var dir = new TempDirectory();
        await using var a = Instance(dir);
        await using var b = Instance(dir);
        var id = await CreateRuleAsync(a);
        var onB = b.GetRequiredService<RuleService>();
        Assert.That((await onB.ListHeadsForRunAsync(Tenant, Ct)).Single().Enabled, Is.True);

        await a.GetRequiredService<RuleService>().SetEnabledAsync(Tenant, id, false, Ct);
        Assert.That((await onB.ListHeadsForRunAsync(Tenant, Ct)).Single().Enabled, Is.False, "disabled on A");

        var updated = await a.GetRequiredService<RuleService>().UpdateAsync(Tenant, id, Definition(await ConnectionIdAsync(a)) with { Name = "renamed" }, "test", Ct);
        Assert.That(updated.Value, Is.Not.Null);
        var head = (await onB.ListHeadsForRunAsync(Tenant, Ct)).Single();
        Assert.That((head.Name, head.Version), Is.EqualTo(("renamed", 2)), "saved on A");

        await a.GetRequiredService<RuleService>().DeleteAsync(Tenant, id, Ct);
        Assert.That(await onB.ListHeadsForRunAsync(Tenant, Ct), Is.Empty, "deleted on A");

        var created = await CreateRuleAsync(a);
        Assert.That((await onB.ListHeadsForRunAsync(Tenant, Ct)).Single().Id, Is.EqualTo(created), "created on A");
    }

    [Test]
    public async Task Uninstall_forgets_the_cached_list()
    {
        using var dir = new TempDirectory();
        await using var a = Instance(dir);
        await CreateRuleAsync(a);
        var rules = a.GetRequiredService<RuleService>();
        Assert.That(await rules.ListHeadsForRunAsync(Tenant, Ct), Has.Count.EqualTo(1));

        await a.GetRequiredService<TenantService>().UninstallAsync(Tenant, Ct);

        Assert.That(await rules.ListHeadsForRunAsync(Tenant, Ct), Is.Empty);
    }

    [Test]
    public async Task A_deleted_rules_compiled_versions_are_not_kept_in_the_cache()
    {
        // Each compiled version holds the rule's definition (its templates and literals): once the rule is deleted, no
        // copy of it may stay in the process. Before, they stayed until 30 idle minutes had passed.
        using var dir = new TempDirectory();
        await using var a = Instance(dir);
        var id = await CreateRuleAsync(a);
        var rules = a.GetRequiredService<RuleService>();
        await rules.UpdateAsync(Tenant, id, Definition(await ConnectionIdAsync(a)) with { Name = "second version" }, "test", Ct);
        var head = (await rules.GetStoredHeadAsync(Tenant, id, Ct))!.Head;
        Assert.That(await rules.LoadCompiledAsync(Tenant, head, Ct), Is.Not.Null);
        var cache = a.GetRequiredService<RuleCache>();
        Assert.That(cache.Get(Tenant, id, 1) ?? cache.Get(Tenant, id, 2), Is.Not.Null, "control: compiled versions are cached");

        Assert.That(await rules.DeleteAsync(Tenant, id, Ct), Is.True);

        Assert.That(new[] { cache.Get(Tenant, id, 1), cache.Get(Tenant, id, 2) }, Has.All.Null, "a deleted rule's compiled version is held in memory");
    }

    private static ServiceProvider Instance(TempDirectory dir)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir.Path,
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return services.BuildServiceProvider();
    }

    private static async Task<string> CreateRuleAsync(IServiceProvider services)
    {
        await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(Tenant.Value, "cloud", null), Ct);
        var connectionId = await ConnectionIdAsync(services);
        var rule = await services.GetRequiredService<RuleService>().CreateAsync(Tenant, Definition(connectionId), "test", Ct);
        return rule.Value?.Id ?? throw new InvalidOperationException("rule: " + rule.Errors + rule.Detail);
    }

    private static async Task<string> ConnectionIdAsync(IServiceProvider services)
    {
        var connections = services.GetRequiredService<ConnectionService>();
        if ((await connections.ListAsync(Tenant, Ct)) is [{ } existing, ..])
        {
            return existing.Id;
        }

        var created = await connections.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "Hook",
            BaseUrl = "https://hooks.example.com/api",
            Auth = new ConnectionAuth { Type = "bearer" },
            Secret = "s3cret-value",
        }, Ct);
        return created.Value?.Id ?? throw new InvalidOperationException("connection: " + created.Errors + created.Detail);
    }

    private static RuleDefinition Definition(string connectionId) => new()
    {
        Name = "Forward updates",
        Enabled = true,
        Trigger = new TriggerDefinition { Type = "event", Events = ["avi:jira:updated:issue"] },
        Steps = [new HttpStepDefinition { Id = "forward", Connection = connectionId, Method = "POST", Path = "/hook" }],
    };
}
