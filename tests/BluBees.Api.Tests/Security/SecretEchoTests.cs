using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A connection's credentials (<c>secret</c>, an OAuth <c>clientSecret</c>) in bodies that are refused, each in a way
/// that makes an error message tempted to quote it (wrong kind, bad text, control characters, too long, repeated,
/// not allowed, trailing garbage after it): the answer is a 4xx ProblemDetails naming the field (or <c>$</c> for the
/// document) whose text never contains the submitted value, on create and on edit.
/// </summary>
public sealed class SecretEchoTests : BackendFixture
{
    private string _tenant = null!;
    private string _connection = null!;

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _connection = await CreateConnectionAsync(_tenant);
    }

    private static string Oauth(string secretMembers)
        => "{\"name\":\"o\",\"baseUrl\":\"https://api.example.com/v1\",\"auth\":{\"type\":\"oauth2RefreshToken\",\"tokenUrl\":\"https://login.example.com/token\",\"clientId\":\"c\"}," + secretMembers + "}";

    private static string Bearer(string secretMembers, string type = "bearer")
        => "{\"name\":\"b\",\"baseUrl\":\"https://api.example.com/v1\",\"auth\":{\"type\":\"" + type + "\"}," + secretMembers + "}";

    /// <summary>(case, body with {S} for the canary, field the answer names).</summary>
    private static readonly (string Name, string Body, string Field)[] Cases =
    [
        ("secret of the wrong kind", Bearer("\"secret\":{\"v\":\"{S}\"}"), "secret"),
        ("secret in an array", Bearer("\"secret\":[\"{S}\"]"), "secret"),
        ("secret with a NUL", Bearer("\"secret\":\"{S}\\u0000\""), "secret"),
        ("secret with a line break (header injection)", Bearer("\"secret\":\"{S}\\r\\nX-Evil: 1\""), "secret"),
        ("secret outside ASCII for a header", Bearer("\"secret\":\"{S}\u00e9\""), "secret"),
        ("secret with a lone surrogate", Bearer("\"secret\":\"{S}\\ud800\""), "secret"),
        ("secret given twice", Bearer("\"secret\":\"{S}\",\"secret\":\"{S}2\""), "secret"),
        ("secret given twice in another case", Bearer("\"secret\":\"{S}\",\"Secret\":\"{S}2\""), "secret"),
        ("secret then trailing garbage", Bearer("\"secret\":\"{S}\"") + " {S}", "$"),
        ("secret unterminated", "{\"name\":\"b\",\"secret\":\"{S}", "secret"),
        ("secret with auth none", Bearer("\"secret\":\"{S}\"", "none"), "secret"),
        ("clientSecret not allowed for client credentials", Bearer("\"secret\":\"x\",\"clientSecret\":\"{S}\"", "oauth2ClientCredentials"), "clientSecret"),
        ("clientSecret of the wrong kind", Oauth("\"secret\":\"r\",\"clientSecret\":{\"v\":\"{S}\"}"), "clientSecret"),
        ("clientSecret with a NUL", Oauth("\"secret\":\"r\",\"clientSecret\":\"{S}\\u0000\""), "clientSecret"),
        ("clientSecret given twice", Oauth("\"secret\":\"r\",\"clientSecret\":\"{S}\",\"clientSecret\":\"{S}\""), "clientSecret"),
        ("refresh token with a line break", Oauth("\"secret\":\"{S}\\n\""), "secret"),
    ];

    private static IEnumerable<TestCaseData> All()
        => Cases.SelectMany((c, i) => new[] { "POST", "PUT" }.Select(m => new TestCaseData(i, m).SetName($"{m}: {c.Name}")));

    [TestCaseSource(nameof(All))]
    public async Task A_refused_credential_is_never_echoed(int index, string method)
    {
        var (_, template, field) = Cases[index];
        var canary = Samples.Canary("secret");
        var path = method == "POST" ? "/api/connections" : $"/api/connections/{_connection}";
        var body = template.Replace("{S}", canary, StringComparison.Ordinal);
        if (method == "POST")
        {
            body = body.Replace("\"name\":\"b\"", "\"name\":\"b" + Guid.NewGuid().ToString("N")[..6] + "\"", StringComparison.Ordinal)
                .Replace("\"name\":\"o\"", "\"name\":\"o" + Guid.NewGuid().ToString("N")[..6] + "\"", StringComparison.Ordinal);
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.For(_tenant)));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
        var problem = await ProblemAsync(response);
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(400), text);
        Assert.That(problem["type"], Is.Not.Null, text);
        Assert.That(problem["errors"]!.AsObject().Select(e => e.Key), Has.Member(field), text);
        Assert.That(text, Does.Not.Contain(canary[..20]), "the answer quotes the credential");
        Assert.That(Backend.Logs.AllText, Does.Not.Contain(canary[..20]), "the logs quote the credential");
    }
}
