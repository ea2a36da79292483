using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Templates;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules.Warnings;

/// <summary>
/// A credential written into a step (a header or query parameter that carries one, with a literal value) is stored with
/// the rule in clear: it is saved with a <c>literal_credential</c> warning at its field that never quotes the value; a
/// value a template computes, and headers or parameters that carry no credential, are not warned.
/// </summary>
public sealed class LiteralCredentialWarningTests
{
    private const string Secret = "sk-live-0123456789abcdef";
    private static readonly JiraFieldSet Fields = new([("summary", "Summary")]);

    private static IReadOnlyList<RuleWarning> Analyze(params StepDefinition[] steps)
        => RuleAnalyzer.Analyze(new RuleDefinition { Name = "Rule", Trigger = new TriggerDefinition { Type = "manual" }, Steps = steps }, Fields, TemplateLimits.Default)
            .Where(w => w.Code == RuleWarningCodes.LiteralCredential).ToList();

    private static HttpStepDefinition Http(string url = "https://api.example.com/v1", Dictionary<string, string>? headers = null, Dictionary<string, string>? query = null)
        => new() { Id = "call", Method = "GET", Url = url, Headers = headers, Query = query };

    [TestCase("Authorization", "Bearer " + Secret)]
    [TestCase("authorization", "Basic dXNlcjpwYXNz")]
    [TestCase("X-Api-Key", Secret)]
    [TestCase("api-key", Secret)]
    [TestCase("X-Auth-Token", Secret)]
    [TestCase("Private-Token", Secret)]
    [TestCase("X-Shopify-Access-Token", Secret)]
    [TestCase("X-Client-Secret", Secret)]
    public void A_credential_header_with_a_literal_value_is_warned_at_the_header(string name, string value)
    {
        var warnings = Analyze(Http(headers: new() { [name] = value }));
        Assert.That(warnings.Select(w => w.Path), Is.EqualTo(new[] { "steps[0].headers." + name }));
        Assert.That(warnings[0].Message, Does.Contain("connection").And.Not.Contain(value));
    }

    [TestCase("Authorization", "Bearer {{ steps.login.body.token }}", Description = "a token fetched at run time")]
    [TestCase("Authorization", "{% if issue %}x{% endif %}")]
    [TestCase("Authorization", "  ", Description = "nothing written")]
    [TestCase("Accept", "application/json")]
    [TestCase("X-Request-Id", "blubees")]
    [TestCase("Content-Type", "application/json")]
    public void A_computed_value_or_a_header_that_carries_no_credential_is_not_warned(string name, string value)
        => Assert.That(Analyze(Http(headers: new() { [name] = value })), Is.Empty);

    [TestCase("api_key")]
    [TestCase("apikey")]
    [TestCase("key")]
    [TestCase("access_token")]
    [TestCase("token")]
    [TestCase("client_secret")]
    [TestCase("password")]
    [TestCase("code")]
    [TestCase("sig")]
    public void A_credential_query_parameter_with_a_literal_value_is_warned(string name)
    {
        Assert.That(Analyze(Http(query: new() { [name] = Secret, ["page"] = "2" })).Select(w => w.Path), Is.EqualTo(new[] { "steps[0].query." + name }));
        Assert.That(Analyze(Http("https://api.example.com/v1?page=2&" + name + "=" + Secret + "#top")).Select(w => w.Path), Is.EqualTo(new[] { "steps[0].url" }));
    }

    [TestCase("https://api.example.com/v1?api_key={{ issue.key }}")]
    [TestCase("https://api.example.com/v1?page=2&q=open")]
    [TestCase("https://api.example.com/v1?api_key=")]
    [TestCase("https://api.example.com/v1#api_key=" + Secret)]
    [TestCase("https://api.example.com/v1/api_key=" + Secret)]
    public void A_url_without_a_literal_credential_parameter_is_not_warned(string url)
        => Assert.That(Analyze(Http(url)), Is.Empty);

    [Test]
    public void A_percent_encoded_parameter_name_is_read_as_sent()
        => Assert.That(Analyze(Http("https://api.example.com/v1?api%5Fkey=" + Secret)).Select(w => w.Path), Is.EqualTo(new[] { "steps[0].url" }));

    [Test]
    public void Nested_steps_and_each_side_of_a_transfer_are_warned_at_their_own_field()
    {
        var transfer = new TransferStepDefinition
        {
            Id = "move",
            Source = new TransferEndpointDefinition { Url = "https://files.example.com/a?sig=" + Secret },
            Destination = new TransferEndpointDefinition { Url = "https://store.example.com/b", Method = "PUT", Headers = new Dictionary<string, string> { ["X-Api-Key"] = Secret } },
        };
        var warnings = Analyze(new ForEachStepDefinition { Id = "each", Items = "issue.fields.labels", Steps = [Http(headers: new() { ["Authorization"] = "Token " + Secret })] }, transfer);
        Assert.That(warnings.Select(w => w.Path),
            Is.EqualTo(new[] { "steps[0].steps[0].headers.Authorization", "steps[1].source.url", "steps[1].destination.headers.X-Api-Key" }));
    }
}
