using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>The support audit names our staff, and grants say who let them in: only tenant admins may read them.</summary>
public sealed class SupportAuditVisibilityTests : BackendFixture
{
    [TestCase("/api/support/audit")]
    [TestCase("/api/support/grants")]
    public async Task Only_admins_can_read_support_grants_and_audit(string path)
    {
        var tenant = Samples.NewTenant();
        using var viewer = await Backend.SendAsync(HttpMethod.Get, path, tenant, accountId: "557058:viewer");
        using var admin = await Backend.SendAsync(HttpMethod.Get, path, tenant);
        Assert.That(viewer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await ProblemAsync(viewer);
        Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
