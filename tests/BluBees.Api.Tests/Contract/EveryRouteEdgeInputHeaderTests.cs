using System.Text;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The header battery of <see cref="EveryRouteEdgeInputFixture"/>: malformed Forge token headers on every route, and
/// malformed body headers (<c>Content-Type</c>, <c>Content-Encoding</c>, <c>Expect</c>) on every route that takes a body.
/// </summary>
public sealed class EveryRouteEdgeInputHeaderTests : EveryRouteEdgeInputFixture
{
    private static readonly string[] HeaderJunk = ["", " ", new string('u', 8000), "Bearer x", "x,y", "\t", "null", "%00", "\u0001", "a\u007fb"];

    [Test]
    public async Task A_malformed_forge_token_header_on_every_route_is_a_4xx_problem_or_is_ignored()
    {
        // The user token (x-forge-oauth-user) on /api routes, the system token (x-forge-oauth-system) on every route.
        var failures = new List<string>();
        foreach (var (method, template) in Routes())
        {
            foreach (var header in new[] { FakeJira.UserTokenHeader, "x-forge-oauth-system" })
            {
                foreach (var value in HeaderJunk)
                {
                    var path = Fill(template);
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.ForRoute(path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant)));
                    request.Headers.TryAddWithoutValidation(header, value);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await Backend.Client.SendAsync(request);
                    if (await CheckAsync(response) is { } problem)
                    {
                        failures.Add($"{method} {template} {header}={(value.Length > 12 ? value[..12] + "…" : value)}: {problem}");
                    }
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>Values HttpClient would not send itself: unparsable media types, parameters repeated or empty, lists, controls.</summary>
    private static readonly (string Header, string Value)[] BodyHeaderJunk =
    [
        ("Content-Type", ""), ("Content-Type", ";"), ("Content-Type", "/"), ("Content-Type", "application/"), ("Content-Type", "application/json;"),
        ("Content-Type", "application/json; charset"), ("Content-Type", "application/json; charset="), ("Content-Type", "application/json; charset=\"utf-8"),
        ("Content-Type", "application/json; charset=utf-8; charset=latin1"), ("Content-Type", "application/json, text/plain"), ("Content-Type", "application/json;;;"),
        ("Content-Type", "application/json; " + Canary + "=" + Canary), ("Content-Type", "application/json; charset=" + Canary), ("Content-Type", "application/json\u0001"),
        ("Content-Type", "application/json; charset=utf-8 " + new string('x', 4000)), ("Content-Type", "*/*"), ("Content-Type", "application/*+json"),
        ("Content-Encoding", ""), ("Content-Encoding", ","), ("Content-Encoding", "identity, gzip"), ("Content-Encoding", "identity,identity"), ("Content-Encoding", Canary),
        ("Content-Encoding", "IDENTITY"), ("Expect", "100-continue, " + Canary), ("Expect", Canary),
    ];

    [Test]
    public async Task A_malformed_body_header_on_every_route_that_takes_a_body_is_a_4xx_problem_or_is_ignored()
    {
        var failures = new List<string>();
        foreach (var (method, template) in Routes().Where(r => r.Method is "POST" or "PUT"))
        {
            foreach (var (header, value) in BodyHeaderJunk)
            {
                var path = Fill(template);
                using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"name\":\"" + Canary + "\"}"));
                if (header != "Content-Type")
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                }

                if (!(header == "Expect" ? request.Headers.TryAddWithoutValidation(header, value) : request.Content.Headers.TryAddWithoutValidation(header, value)))
                {
                    failures.Add($"the test could not set {header}: {value}");
                    continue;
                }

                using var response = await Backend.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(60));
                if (await CheckAsync(response) is { } problem)
                {
                    failures.Add($"{method} {template} {header}: {(value.Length > 40 ? value[..40] + "…" : value)}: {problem}");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
