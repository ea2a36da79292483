using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Support;

namespace BluBees.Api.Tests.Hostile;

/// <summary>The support routes read their staff tokens through the same checks: a header of unreadable text is a 401, not a 500.</summary>
public sealed class HostileSupportTokenTextTests : SupportFixture
{
    [TestCaseSource(typeof(TokenHeaderText), nameof(TokenHeaderText.Cases))]
    public async Task A_staff_token_header_of_unreadable_text_is_a_401_problem(string name)
    {
        using var response = await SupportGetAsync(RunsPath(Harness.Samples.NewTenant()), TokenHeaderText.Bend(Idp.Mint(), Idp.KeyId, name));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), text);
        Assert.That(JsonNode.Parse(text)!["status"]!.GetValue<int>(), Is.EqualTo(401), text);
    }
}
