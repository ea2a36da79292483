using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Kms;

/// <summary>
/// KMS throttling that outlasts the SDK's retries on an admin write (a tenant's first secret needs its data key,
/// GenerateDataKey): a 503 ProblemDetails with Retry-After, not a 500, and the retry succeeds.
/// </summary>
[TestFixture]
public sealed class KmsThrottlingTests
{
    private TestIssuer _issuer = null!;
    private ThirdPartyApi _thirdParty = null!;
    private KmsFake _kms = null!;
    private DynamoDbTable _table = null!;
    private BackendHost _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _thirdParty = await ThirdPartyApi.StartAsync();
        _kms = await KmsFake.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
        var settings = _table.Settings();
        settings["Keys:Provider"] = "Kms";
        settings["Keys:KmsKeyId"] = _kms.CreateKey();
        settings["Keys:KmsServiceUrl"] = _kms.Address.ToString();
        _api = await BackendHost.StartAsync(_issuer, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _table.Dispose();
        await _kms.DisposeAsync();
        await _thirdParty.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_throttled_KMS_on_an_admin_write_answers_503_with_Retry_After()
    {
        var tenant = Samples.NewTenant();
        _kms.Throttled = true;
        HttpResponseMessage response;
        try
        {
            response = await _api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"));
        }
        finally
        {
            _kms.Throttled = false;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That((int?)JsonNode.Parse(body)!["status"], Is.EqualTo(503));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
                Assert.That(body, Does.Not.Contain("Rate exceeded"), "the service's message is not echoed");
            });
        }

        await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
    }

    /// <summary>
    /// KMS that stops answering: the SDK's default would wait 100 s per attempt, past the API function's 29 s timeout,
    /// and then answer 500. Each attempt is cut off after <c>Keys:KmsTimeoutMilliseconds</c>: 503 with Retry-After.
    /// </summary>
    [Test]
    public async Task An_unanswering_KMS_on_an_admin_write_answers_503_with_Retry_After()
    {
        var tenant = Samples.NewTenant();
        _kms.Unanswering = true;
        HttpResponseMessage response;
        try
        {
            response = await _api.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"));
        }
        finally
        {
            _kms.Unanswering = false;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That(response.Headers.RetryAfter?.Delta, Is.Not.Null, "503 with Retry-After");
            });
        }

        await _api.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "s"), 201);
    }
}
