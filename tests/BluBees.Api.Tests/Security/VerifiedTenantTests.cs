using System.Text.Json.Nodes;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A handler gets its tenant only as a bound <see cref="VerifiedTenant"/>, from what Forge authentication set on the
/// request. Without that the handler never runs and the answer is a 401 ProblemDetails, not a 500; a tenant named in
/// the query, headers or body is never taken.
/// </summary>
public sealed class VerifiedTenantTests
{
    [Test]
    public async Task A_handler_binding_the_tenant_is_not_run_when_authentication_set_none()
    {
        var ran = false;
        var handler = RequestDelegateFactory.Create((VerifiedTenant tenant) => { ran = true; return tenant.Id; }).RequestDelegate;
        var context = NewContext();
        context.Request.QueryString = new QueryString("?tenant=inst-forged");
        context.Request.Headers["x-tenant"] = "inst-forged";

        var thrown = await Assert.ThrowsAsync<NoVerifiedTenantException>(() => handler(context));
        var handled = await new ErrorHandling(NullLogger<ErrorHandling>.Instance).TryHandleAsync(context, thrown!, CancellationToken.None);

        Assert.That(ran, Is.False, "the handler did not run");
        Assert.That(handled, Is.True);
        Assert.That(context.Response.StatusCode, Is.EqualTo(StatusCodes.Status401Unauthorized));
        context.Response.Body.Position = 0;
        var problem = JsonNode.Parse(await new StreamReader(context.Response.Body).ReadToEndAsync())!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(401));
        Assert.That(problem["title"]!.GetValue<string>(), Is.EqualTo("Unauthorized"));
    }

    [Test]
    public async Task A_handler_gets_the_tenant_authentication_verified()
    {
        var handler = RequestDelegateFactory.Create((VerifiedTenant tenant) => tenant.Id + "/" + tenant.AccountId).RequestDelegate;
        var context = NewContext();
        context.Features.Set(new TenantContext("inst-verified", "cloud-1", null) { PrincipalAccountId = "557058:user" });
        context.Request.QueryString = new QueryString("?tenant=inst-forged");

        await handler(context);

        context.Response.Body.Position = 0;
        Assert.That(await new StreamReader(context.Response.Body).ReadToEndAsync(), Is.EqualTo("inst-verified/557058:user"));
    }

    private static DefaultHttpContext NewContext()
    {
        var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }
}
