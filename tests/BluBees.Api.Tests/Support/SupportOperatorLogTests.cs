using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// Every support request with a valid token that is refused leaves a line in the operator log, the ones the tenant's
/// audit cannot hold included (support-access.md: "Both still appear in the operator log").
/// </summary>
public sealed class SupportOperatorLogTests : SupportFixture
{
    [TestCase("staff-malformed-grant", false)]
    [TestCase("staff-malformed-role", true)]
    public async Task A_refused_read_of_a_malformed_tenant_id_is_in_the_operator_log_with_who_and_why(string subject, bool withoutRole)
    {
        var token = Idp.Mint(c =>
        {
            if (withoutRole)
            {
                c["roles"] = new JsonArray("engineer");
            }
        }, subject: subject);

        using var response = await SupportGetAsync("/support/tenants/" + Uri.EscapeDataString("T#x<script>") + "/runs", token);

        var reason = withoutRole ? "role_missing" : "no_grant";
        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo(reason));
        var lines = Backend.Logs.Lines.Where(l => l.Contains("Support read denied", StringComparison.Ordinal) && l.Contains("by " + subject + " ", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), "one operator log line for the refused read");
        Assert.That(lines[0], Does.Contain("(reason " + reason + ")").And.Contain("not an installation id"));
        Assert.That(lines[0], Does.Not.Contain(token), "never the token");
    }
}
