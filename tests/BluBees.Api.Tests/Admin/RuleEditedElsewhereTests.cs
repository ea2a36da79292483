using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Two administrators editing one rule: a save that names the version its editor opened (<c>?baseVersion=</c>) is
/// refused when someone else saved the rule since (409 <c>rule_changed</c> with <c>currentVersion</c>), instead of
/// replacing their change unseen; without it, or naming the current version, it saves as before.
/// </summary>
public sealed class RuleEditedElsewhereTests : BackendFixture
{
    [Test]
    public async Task A_save_based_on_an_older_version_is_refused_and_keeps_the_other_change()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Shared")))["id"]!.GetValue<string>();

        // B opens version 1 and saves version 2; A, who also opened version 1, saves after.
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion=1", tenant, Samples.Rule(connection, "Shared by B"));
        using (var stale = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion=1", tenant, Samples.Rule(connection, "Shared by A")))
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            var problem = await ProblemAsync(stale);
            Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("rule_changed"));
            Assert.That(problem["currentVersion"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("version 2").And.Contain("Nothing was saved"));
            // The 409 names the field the caller sent, as every refusal does (and as connection_changed names baseRevision).
            Assert.That(problem["errors"]!["baseVersion"]![0]!.GetValue<string>(), Does.Contain("is 1").And.Contain("version 2"));
        }

        var current = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
        Assert.That(current["version"]!.GetValue<int>(), Is.EqualTo(2), "the refused save stored no version");
        Assert.That(current["name"]!.GetValue<string>(), Is.EqualTo("Shared by B"), "B's change is kept");

        // A saves on top of version 2 (having seen it), or without naming a version at all.
        var saved = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion=2", tenant, Samples.Rule(connection, "Shared by A"));
        Assert.That(saved["version"]!.GetValue<int>(), Is.EqualTo(3));
        var unconditional = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "Shared"));
        Assert.That(unconditional["version"]!.GetValue<int>(), Is.EqualTo(4));
    }

    /// <summary>
    /// A restore is a save too: A's history showed version 2 as current and A restores version 1, but B saved version 3
    /// meanwhile. Before, the restore (which read no base) replaced B's version 3 unseen; with <c>?baseVersion=2</c>
    /// it is refused as A's stale save would be, and B's change stays current.
    /// </summary>
    [Test]
    public async Task A_restore_based_on_an_older_version_is_refused_and_keeps_the_other_change()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Shared")))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion=1", tenant, Samples.Rule(connection, "Shared v2"));
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion=2", tenant, Samples.Rule(connection, "Shared by B"));

        using (var stale = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{id}/versions/1/restore?baseVersion=2", tenant))
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await stale.Content.ReadAsStringAsync());
            var problem = await ProblemAsync(stale);
            Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("rule_changed"));
            Assert.That(problem["currentVersion"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Nothing was saved"));
            Assert.That(problem["errors"]!["baseVersion"]![0]!.GetValue<string>(), Does.Contain("is 2").And.Contain("version 3"));
        }

        var current = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
        Assert.That(current["version"]!.GetValue<int>(), Is.EqualTo(3), "the refused restore stored no version");
        Assert.That(current["name"]!.GetValue<string>(), Is.EqualTo("Shared by B"), "B's change is kept");

        var restored = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/versions/1/restore?baseVersion=3", tenant);
        Assert.That(restored["version"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(restored["name"]!.GetValue<string>(), Is.EqualTo("Shared"));
        var unconditional = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{id}/versions/3/restore", tenant);
        Assert.That(unconditional["version"]!.GetValue<int>(), Is.EqualTo(5), "a restore without baseVersion (an older client) is unconditional, as a save is");
    }

    [TestCase("0")]
    [TestCase("two")]
    [TestCase("-1")]
    public async Task A_restore_base_version_that_is_not_a_version_number_is_a_400_naming_it(string value)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Shared")))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "Shared v2"));
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{id}/versions/1/restore?baseVersion={value}", tenant);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]!["baseVersion"], Is.Not.Null);
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [TestCase("0")]
    [TestCase("two")]
    [TestCase("-1")]
    public async Task A_base_version_that_is_not_a_version_number_is_a_400_naming_it(string value)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Shared")))["id"]!.GetValue<string>();
        using var response = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}?baseVersion={value}", tenant, Samples.Rule(connection, "Other"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!["baseVersion"], Is.Not.Null);
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}", tenant))["version"]!.GetValue<int>(), Is.EqualTo(1));
    }
}
