using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The backend's own calls to Atlassian (the permission check, the caller's Jira reads) carry the user's token and
/// nothing else of the request being served: a caller's <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> were
/// passed on to Atlassian by HttpClient's trace propagation, so header values a caller chose left the backend.
/// </summary>
public sealed class CallerTraceHeadersTests : BackendFixture
{
    [Test]
    public async Task No_trace_header_or_baggage_of_the_caller_reaches_Jira()
    {
        var canary = "canary" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01");
        Backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("tracestate", "sender=" + canary);
        Backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("baggage", "order=" + canary);
        Backend.Jira.UserIssues["OPS-7"] = new JsonObject
        {
            ["id"] = "10007",
            ["key"] = "OPS-7",
            ["fields"] = new JsonObject { ["summary"] = "Trace test", ["project"] = new JsonObject { ["key"] = "OPS" } },
        };
        var before = Backend.Jira.ReceivedHeaders.Count;
        var tenant = Samples.NewTenant();

        using (var created = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "t0ken")))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), "an admin's write: Jira is asked for the permission");
        }

        using (var sample = await Backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-7/sample-event?eventType=avi:jira:updated:issue", tenant))
        {
            Assert.That(sample.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a read of the issue with the caller's token");
        }

        var received = Backend.Jira.ReceivedHeaders.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(received.Count(h => h.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase)), Is.GreaterThanOrEqualTo(2),
                "both calls reached Jira");
            Assert.That(received.Where(h => h.Contains(canary, StringComparison.OrdinalIgnoreCase) || h.Contains(traceId, StringComparison.OrdinalIgnoreCase)), Is.Empty);
            Assert.That(received.Where(h => h.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase)
                || h.StartsWith("tracestate:", StringComparison.OrdinalIgnoreCase) || h.StartsWith("baggage:", StringComparison.OrdinalIgnoreCase)
                || h.StartsWith("Request-Id:", StringComparison.OrdinalIgnoreCase) || h.StartsWith("Correlation-Context:", StringComparison.OrdinalIgnoreCase)), Is.Empty);
        });
    }
}
