using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>Connection and rule names are unique per tenant (trimmed, ignoring case): a 409 that names the field.</summary>
public sealed class UniqueNamesApiTests : BackendFixture
{
    private static async Task AssertNameConflictAsync(HttpResponseMessage response, string what)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!["name"]![0]!.GetValue<string>(), Does.Contain($"another {what} already has this name"));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Choose a different name"));
        Assert.That(problem["conflictsWith"]!.GetValue<string>(), Does.StartWith(what == "rule" ? "rule_" : "conn_"));
    }

    [Test]
    public async Task A_rule_name_is_unique_on_create_rename_and_restore_ignoring_case_and_spaces()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connection, "Notify on Done"));
        using (var duplicate = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "  notify ON done ")))
        {
            await AssertNameConflictAsync(duplicate, "rule");
        }

        var other = await CreateRuleAsync(tenant, Samples.Rule(connection, "Other"));
        var otherId = other["id"]!.GetValue<string>();
        using (var rename = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{otherId}", tenant, Samples.Rule(connection, "NOTIFY on done")))
        {
            await AssertNameConflictAsync(rename, "rule");
        }

        // Saving under its own name (any case) is not a conflict; restoring a version named like another rule is.
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{otherId}", tenant, Samples.Rule(connection, "OTHER"));
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{otherId}", tenant, Samples.Rule(connection, "Something else"));
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "Other"), 201);
        using (var restore = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{otherId}/versions/1/restore", tenant))
        {
            await AssertNameConflictAsync(restore, "rule");
        }

        var names = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray().Select(r => r!["name"]!.GetValue<string>());
        Assert.That(names, Is.EquivalentTo(new[] { "Notify on Done", "Something else", "Other" }), "nothing was saved by a refused request");
    }

    [Test]
    public async Task A_connection_name_is_unique_on_create_and_rename()
    {
        var tenant = Samples.NewTenant();
        var first = Samples.Connection(ThirdParty.Address, "s1");
        first["name"] = "Ticketing";
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, first, 201);
        var second = Samples.Connection(ThirdParty.Address, "s2");
        second["name"] = " ticketing";
        using (var duplicate = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, second))
        {
            await AssertNameConflictAsync(duplicate, "connection");
        }

        second["name"] = "AI";
        var id = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, second, 201))["id"]!.GetValue<string>();
        second["name"] = "TICKETING";
        using (var rename = await Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, second))
        {
            await AssertNameConflictAsync(rename, "connection");
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()),
            Is.EquivalentTo(new[] { "Ticketing", "AI" }));

        // Another tenant may use the same name.
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), first, 201);
    }

    [Test]
    public async Task Duplicates_stored_before_names_were_unique_still_load_save_and_rename()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var a = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Twin")))["id"]!.GetValue<string>();
        var b = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Twin 2")))["id"]!.GetValue<string>();
        await RenameInStoreAsync(tenant, Keys.Rule(b), "Twin");
        await RenameInStoreAsync(tenant, Keys.RuleVersion(b, 1), "Twin", nested: "definition");

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{b}", tenant))["name"]!.GetValue<string>(), Is.EqualTo("Twin"));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray(), Has.Count.EqualTo(2));
        var kept = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{b}", tenant, Samples.Rule(connection, "Twin"));
        Assert.That(kept["version"]!.GetValue<int>(), Is.EqualTo(2), "a stored duplicate can still be saved under its name");
        var renamed = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{b}", tenant, Samples.Rule(connection, "Twin renamed"));
        Assert.That(renamed["name"]!.GetValue<string>(), Is.EqualTo("Twin renamed"));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{a}", tenant))["name"]!.GetValue<string>(), Is.EqualTo("Twin"));
    }

    [Test]
    public async Task Concurrent_creates_of_one_rule_name_save_exactly_one()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var names = new[] { "Race", "race", " RACE", "Race ", "rAcE", "RACE", "race  ", "Race" };
        var answers = await Task.WhenAll(names.Select(n => Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, n))));
        try
        {
            Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Created), Is.EqualTo(1), "exactly one save of the name wins");
            foreach (var lost in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            {
                await AssertNameConflictAsync(lost, "rule");
            }
        }
        finally
        {
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }

        var stored = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
        Assert.That(stored.Count(r => r!["name"]!.GetValue<string>().Trim().Equals("race", StringComparison.OrdinalIgnoreCase)), Is.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_renames_of_two_rules_to_one_name_save_exactly_one()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await CreateRuleAsync(tenant, Samples.Rule(connection, $"Start {i}")))["id"]!.GetValue<string>());
        }

        var answers = await Task.WhenAll(ids.Select(id => Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "Finish"))));
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), "exactly one rename wins");
        Assert.That(answers.Where(a => a.StatusCode != HttpStatusCode.OK).Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.Conflict));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        var stored = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.That(stored.Count(n => n == "Finish"), Is.EqualTo(1));
        Assert.That(stored, Has.Count.EqualTo(6), "the losers kept their old names");
    }

    [Test]
    public async Task Concurrent_creates_of_one_connection_name_save_exactly_one()
    {
        var tenant = Samples.NewTenant();
        var bodies = Enumerable.Range(0, 8).Select(i =>
        {
            var body = Samples.Connection(ThirdParty.Address, "s" + i);
            body["name"] = i % 2 == 0 ? "Ticketing" : " TICKETING ";
            return body;
        });
        var answers = await Task.WhenAll(bodies.Select(b => Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, b)));
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.Created), Is.EqualTo(1), "exactly one save of the name wins");
        foreach (var lost in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            await AssertNameConflictAsync(lost, "connection");
        }

        foreach (var answer in answers)
        {
            answer.Dispose();
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Renaming_or_deleting_gives_the_name_back()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var first = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Alpha")))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{first}", tenant, Samples.Rule(connection, "Beta"));
        await CreateRuleAsync(tenant, Samples.Rule(connection, "alpha")); // the rename gave "Alpha" back
        using (var taken = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, "BETA")))
        {
            await AssertNameConflictAsync(taken, "rule");
        }

        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/rules/{first}", tenant))
        {
            Assert.That(deleted.IsSuccessStatusCode, Is.True);
        }

        await CreateRuleAsync(tenant, Samples.Rule(connection, "Beta")); // the delete gave "Beta" back

        var body = Samples.Connection(ThirdParty.Address, "c1");
        body["name"] = "Gamma";
        var id = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201))["id"]!.GetValue<string>();
        body["name"] = "Delta";
        await Backend.JsonAsync(HttpMethod.Put, $"/api/connections/{id}", tenant, body);
        body["name"] = "gamma";
        var other = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201))["id"]!.GetValue<string>();
        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{other}", tenant))
        {
            Assert.That(deleted.IsSuccessStatusCode, Is.True);
        }

        body["name"] = "GAMMA";
        await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201);
    }

    [Test]
    public async Task A_rule_saved_while_its_connection_is_deleted_never_points_at_a_deleted_connection()
    {
        // Before, both could succeed (found by an adversarial sweep: 4 times in 40), leaving a rule whose every run
        // failed with connection_missing. Now at most one of them does, and the state agrees with the answers.
        var tenant = Samples.NewTenant();
        var both = 0;
        for (var i = 0; i < 30; i++)
        {
            var connection = await CreateConnectionAsync(tenant);
            var save = Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection, $"Race {i}"));
            var delete = Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connection}", tenant);
            using var saved = await save;
            using var deleted = await delete;
            Assert.That(saved.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict, HttpStatusCode.BadRequest), await saved.Content.ReadAsStringAsync());
            Assert.That(deleted.StatusCode, Is.AnyOf(HttpStatusCode.NoContent, HttpStatusCode.Conflict), await deleted.Content.ReadAsStringAsync());
            both += saved.StatusCode == HttpStatusCode.Created && deleted.StatusCode == HttpStatusCode.NoContent ? 1 : 0;

            var exists = (await Backend.SendAsync(HttpMethod.Get, $"/api/connections/{connection}", tenant)).StatusCode == HttpStatusCode.OK;
            var rules = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray();
            var usedBy = rules.Count(r => r!["name"]!.GetValue<string>() == $"Race {i}");
            Assert.That(exists || usedBy == 0, Is.True, $"round {i}: a saved rule points at a deleted connection");
        }

        Assert.That(both, Is.Zero);
    }

    private async Task RenameInStoreAsync(string tenant, string sortKey, string name, string? nested = null)
    {
        var store = Backend.Services.GetRequiredService<IStore>();
        var item = (await store.GetAsync(Keys.Tenant(tenant), sortKey, default))!;
        var data = JsonNode.Parse(item.Data)!.AsObject();
        (nested is null ? data : data[nested]!.AsObject())["name"] = name;
        await store.PutAsync(item with { Data = data.ToJsonString() }, default);
    }
}
