using BluBees.Api.Auth;
using BluBees.Api.Permissions;
using BluBees.Api.Support;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Every route the app can map — those mapped only by configuration included: support (<c>Support:Enabled</c>), the
/// OpenAPI document (<c>OpenApi:Enabled</c>), the development issuer (<c>DevIssuer:Enabled</c>) and the worker's SQS
/// batch route (<c>Worker:Mode=SqsRoute</c>) — is in this explicit table with the caller it is for, and its endpoint
/// metadata carries exactly that decision: the Forge module whose tokens it accepts, the <c>/api</c> access (administrators
/// unless an <see cref="ApiAccess"/> says otherwise), the support policy, or anonymous for the few that must be. A route
/// added without deciding who may call it (or mapped in one configuration only) fails here until it is listed; the
/// callers' behaviour per kind is proven by <see cref="EveryRouteCallerTests"/>, the loopback-only routes by the network tests.
/// </summary>
public sealed class EveryRouteDecisionTests
{
    private enum Caller { Public, LoopbackOnly, Events, Lifecycle, Uninstall, Scheduled, Webhook, AnyUser, BrowseIssue, BrowseIssueById, EditIssueInBody, Admin, Support }

    private static readonly Dictionary<string, Caller> Table = new(StringComparer.Ordinal)
    {
        ["GET /health"] = Caller.Public,
        ["GET /ready"] = Caller.Public,
        ["GET /openapi/v1.json"] = Caller.Public, // OpenApi:Enabled only (never in production: security.md)
        ["GET /dev/jwks.json"] = Caller.LoopbackOnly, // DevIssuer:Enabled only
        ["POST /dev/token"] = Caller.LoopbackOnly,
        ["POST /internal/sqs-batch"] = Caller.LoopbackOnly, // Worker:Mode=SqsRoute only
        ["POST /forge/events"] = Caller.Events,
        ["POST /forge/lifecycle"] = Caller.Lifecycle,
        ["POST /forge/uninstall"] = Caller.Uninstall,
        ["POST /forge/scheduled"] = Caller.Scheduled,
        ["POST /forge/webhook"] = Caller.Webhook,
        ["GET /api/me"] = Caller.AnyUser,
        ["GET /api/issues/{key}/runs"] = Caller.BrowseIssueById,
        ["GET /api/issues/{key}/manual-rules"] = Caller.BrowseIssue,
        ["POST /api/rules/{id}/run"] = Caller.EditIssueInBody,
        ["GET /api/issues/{key}/sample-event"] = Caller.Admin,
        ["GET /api/connections"] = Caller.Admin,
        ["POST /api/connections"] = Caller.Admin,
        ["GET /api/connections/{id}"] = Caller.Admin,
        ["PUT /api/connections/{id}"] = Caller.Admin,
        ["DELETE /api/connections/{id}"] = Caller.Admin,
        ["GET /api/rules"] = Caller.Admin,
        ["POST /api/rules"] = Caller.Admin,
        ["POST /api/rules/dry-run"] = Caller.Admin,
        ["POST /api/rules/validate"] = Caller.Admin,
        ["GET /api/rules/{id}"] = Caller.Admin,
        ["PUT /api/rules/{id}"] = Caller.Admin,
        ["DELETE /api/rules/{id}"] = Caller.Admin,
        ["POST /api/rules/{id}/enable"] = Caller.Admin,
        ["POST /api/rules/{id}/disable"] = Caller.Admin,
        ["GET /api/rules/{id}/versions"] = Caller.Admin,
        ["GET /api/rules/{id}/versions/{version}"] = Caller.Admin,
        ["POST /api/rules/{id}/versions/{version}/restore"] = Caller.Admin,
        ["POST /api/rules/{id}/dry-run"] = Caller.Admin,
        ["GET /api/rules/{id}/trace"] = Caller.Admin,
        ["GET /api/runs"] = Caller.Admin,
        ["GET /api/runs/{id}"] = Caller.Admin,
        ["GET /api/schedules/next"] = Caller.Admin,
        ["GET /api/webhooks"] = Caller.Admin,
        ["POST /api/webhooks"] = Caller.Admin,
        ["GET /api/webhooks/{id}"] = Caller.Admin,
        ["DELETE /api/webhooks/{id}"] = Caller.Admin,
        ["POST /api/webhooks/{id}/rotate-secret"] = Caller.Admin,
        ["GET /api/support/grants"] = Caller.Admin,
        ["POST /api/support/grants"] = Caller.Admin,
        ["DELETE /api/support/grants/{id}"] = Caller.Admin,
        ["GET /api/support/audit"] = Caller.Admin,
        ["GET /support/tenants/{tenantId}/runs"] = Caller.Support,
        ["GET /support/tenants/{tenantId}/runs/{runId}"] = Caller.Support,
    };

    [Test]
    public async Task Every_route_of_every_configuration_is_in_the_table_and_carries_its_callers_decision()
    {
        await using var forge = await TestIssuer.StartAsync();
        await using var idp = await SupportIssuer.StartAsync();
        var settings = idp.Settings();
        settings["OpenApi:Enabled"] = "true";
        settings["DevIssuer:Enabled"] = "true";
        settings["Queue:Provider"] = "Sqs";
        settings["Queue:QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs";
        settings["Worker:Mode"] = "SqsRoute";
        await using var backend = await BackendHost.StartAsync(forge, settings);

        var endpoints = backend.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Key: $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}", Endpoint: e)))
            .ToList();
        Assert.That(endpoints.Select(e => e.Key), Is.SupersetOf(Table.Keys), "every route in the table is mapped in this configuration");

        var wrong = new List<string>();
        foreach (var (key, endpoint) in endpoints)
        {
            if (!Table.TryGetValue(key, out var caller))
            {
                wrong.Add($"{key}: not in the table (decide who may call it, and list it here and in docs/api.md)");
                continue;
            }

            if (Decision(endpoint) is var actual && actual != caller)
            {
                wrong.Add($"{key}: its metadata says {actual?.ToString() ?? "no decision"}, the table {caller}");
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    /// <summary>What the endpoint's metadata decides about its caller; null when it decides nothing coherent.</summary>
    private static Caller? Decision(RouteEndpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        var anonymous = metadata.GetMetadata<IAllowAnonymous>() is not null;
        var policies = metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
        var module = metadata.GetMetadata<ForgeModuleMetadata>()?.Route;
        var access = metadata.GetMetadata<ApiAccess>()?.Kind;
        if (anonymous)
        {
            // An anonymous route declares nothing else; whether it checks the caller's address is the network tests' to prove.
            return module is null && access is null && policies.Count == 0
                ? endpoint.RoutePattern.RawText!.StartsWith("/dev/", StringComparison.Ordinal) || endpoint.RoutePattern.RawText == "/internal/sqs-batch" ? Caller.LoopbackOnly : Caller.Public
                : null;
        }

        if (policies.Count == 0)
        {
            return null;
        }

        if (policies.Contains(SupportSetup.PolicyName))
        {
            return policies.All(p => p == SupportSetup.PolicyName) && module is null && access is null ? Caller.Support : null;
        }

        if (policies.Any(p => p is not null))
        {
            return null; // a policy the table does not know
        }

        // A UI route is checked by the /api group's permission filter, which states its 503 (Jira did not answer) on
        // every route it asks Jira for: a UI route mapped outside that group has no such answer, and no check.
        var asksJira = metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Any(m => m.StatusCode == 503);
        if (module == ForgeRoute.Ui && access is not (ApiAccessKind.AnyUser or ApiAccessKind.EditIssueInBody) && !asksJira)
        {
            return null;
        }

        return module switch
        {
            ForgeRoute.Events when access is null => Caller.Events,
            ForgeRoute.Lifecycle when access is null => Caller.Lifecycle,
            ForgeRoute.Uninstall when access is null => Caller.Uninstall,
            ForgeRoute.Scheduled when access is null => Caller.Scheduled,
            ForgeRoute.Webhook when access is null => Caller.Webhook,
            ForgeRoute.Ui => access switch
            {
                null => Caller.Admin,
                ApiAccessKind.AnyUser => Caller.AnyUser,
                ApiAccessKind.BrowseIssue => Caller.BrowseIssue,
                ApiAccessKind.BrowseIssueById => Caller.BrowseIssueById,
                ApiAccessKind.EditIssueInBody => Caller.EditIssueInBody,
                _ => null,
            },
            _ => null,
        };
    }
}
