using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>The header battery of the route fuzzer: a malformed user token header on the routes that read one.</summary>
public sealed class RouteFuzzHeaderTests : RouteFuzzFixture
{
    private static readonly string[] UserTokens = ["", " ", new string('u', 8000), "Bearer x", "x,y", "\t", "null", "%00"];

    // Not here: /api/me, which answers from the Forge token alone; a value outside ASCII, which Kestrel refuses with an
    // empty 400 before any code of ours (reported, not fixed).
    [TestCase("/api/rules")]
    [TestCase("/api/issues/OPS-1/runs?issueId=11")]
    public async Task A_malformed_user_token_header_is_a_4xx_problem(string path)
    {
        var failures = new List<string>();
        foreach (var value in UserTokens)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(Tenant)));
            request.Headers.TryAddWithoutValidation(FakeJira.UserTokenHeader, value);
            using var response = await Backend.Client.SendAsync(request);
            var problem = await CheckAsync(response, null);
            if (problem is null && response.IsSuccessStatusCode)
            {
                problem = $"{(int)response.StatusCode} with a junk user token";
            }

            if (problem is not null)
            {
                failures.Add($"{(value.Length > 20 ? value[..20] + "…" : value)}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
