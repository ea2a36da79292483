using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Two administrators editing one connection: a save that names the revision its editor opened
/// (<c>?baseRevision=</c>, the <c>revision</c> GET and the list show) is refused when someone else saved the connection
/// since (409 <c>connection_changed</c> naming <c>baseRevision</c>, nothing written), instead of replacing their change
/// unseen, as a rule's <c>baseVersion</c> does. Before, the later save silently overwrote the earlier one.
/// </summary>
public sealed class ConnectionEditedElsewhereTests : BackendFixture
{
    [Test]
    public Task A_save_based_on_an_older_revision_is_refused_and_keeps_the_other_change()
        => StaleConnectionEdits.StaleSaveIsRefusedAsync(Backend, ThirdParty.Address);

    [TestCase("-1")]
    [TestCase("two")]
    [TestCase("1.5")]
    [TestCase("+1")]
    [TestCase(" 1")]
    [TestCase("99999999999")]
    public async Task A_base_revision_that_is_not_a_revision_number_is_a_400_naming_it(string value)
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        var body = Samples.Connection(ThirdParty.Address, "other-secret");
        using var response = await Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision={Uri.EscapeDataString(value)}", tenant, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!["baseRevision"], Is.Not.Null);
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/connections/{id}", tenant))["revision"]!.GetValue<int>(), Is.EqualTo(1), "nothing was saved");
    }

    [Test]
    public async Task A_base_revision_given_twice_is_a_400_naming_it()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        using var response = await Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1&baseRevision=1", tenant, Samples.Connection(ThirdParty.Address, "s"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]!["baseRevision"], Is.Not.Null);
    }

    [Test]
    public async Task A_stale_save_of_a_deleted_connection_is_a_404()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        using (var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{id}", tenant))
        {
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var response = await Backend.SendAsync(HttpMethod.Put, $"/api/connections/{id}?baseRevision=1", tenant, Samples.Connection(ThirdParty.Address, "s"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
