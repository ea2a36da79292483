using System.Text;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>The header battery of <see cref="EveryRouteEdgeInputFixture"/>: malformed Forge token headers on every route.</summary>
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
}
