using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Atlassian's Jira event reference types <c>associatedUsers</c> as <c>AssociatedUsers</c>, "an object containing an
/// array of one user": <c>interface AssociatedUsers { associatedUsers: User[] }</c>
/// (https://developer.atlassian.com/platform/forge/events-reference/jira/). An event in that shape must be accepted
/// and run (a 400 is redelivered four times, then the event is lost); the array form stays accepted, and a wrong
/// kind inside the object is still a 400 naming the path.
/// </summary>
public sealed class AssociatedUsersShapeTests : BackendFixture
{
    [Test]
    public async Task An_event_with_associatedUsers_as_the_documented_object_is_accepted_and_runs()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        var evt = Samples.Event("OPS-5150", "Object-shaped associatedUsers", "avi:jira:created:issue");
        evt["associatedUsers"] = new JsonObject { ["associatedUsers"] = new JsonArray(new JsonObject { ["accountId"] = "4ad9aa0c52dc1b420a791d12" }) };

        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        await Waits.UntilAsync(() => Task.FromResult(ThirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-5150", StringComparison.Ordinal)));
    }

    [Test]
    public async Task A_wrong_kind_inside_the_associatedUsers_object_is_a_400_naming_the_path()
    {
        var evt = Samples.Event("OPS-5151", "Bad associatedUsers", "avi:jira:created:issue");
        evt["associatedUsers"] = new JsonObject { ["associatedUsers"] = new JsonArray("not-an-object") };

        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", Samples.NewTenant(), evt);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Does.Contain("associatedUsers.associatedUsers[0]"));
    }
}
