using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Hostile;

/// <summary>
/// A Forge token whose header holds text that cannot be read: before, the header's <c>alg</c> or <c>kid</c> read as a
/// string threw past the token checks (which caught only malformed JSON), and anyone got a 500 — and an Error in the
/// log — before any signature was checked. Now a 401 ProblemDetails like any malformed token, on every kind of route.
/// </summary>
public sealed class HostileTokenTextTests : BackendFixture
{
    [TestCaseSource(typeof(TokenHeaderText), nameof(TokenHeaderText.Cases))]
    public async Task A_token_header_of_unreadable_text_is_a_401_problem_on_every_kind_of_route(string name)
    {
        var tenant = Samples.NewTenant();
        var logged = Backend.Logs.Lines.Count;
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/rules"), (HttpMethod.Post, "/forge/events"), (HttpMethod.Post, "/forge/webhook"), (HttpMethod.Post, "/forge/lifecycle") })
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TokenHeaderText.Bend(Issuer.MintFor(path, tenant), Issuer.KeyId, name));
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{path}: {text}");
            Assert.That(JsonNode.Parse(text)!["status"]!.GetValue<int>(), Is.EqualTo(401), text);
        }

        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
    }
}
